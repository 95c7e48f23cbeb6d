"""FlowRegistry: the flows of a folder, reloaded on change, keeping the last good version.

With reload on, the folder is rescanned (mtime, then digest) at most once a second; with it off (production's
default), only when told to or when `watch` says the admin published a flow (published.py): every node mounts
the same folder, so a publication on one node is served by all of them within a few seconds.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant import safe_yaml
from assistant.errors import NotFound
from assistant.flows.checks import run_checks
from assistant.flows.drafts import flow_files
from assistant.flows.loader import Loaded, Locator, load_text, yaml_problem
from assistant.flows.problems import Problem, errors
from assistant.flows.schema import Flow
from assistant.safe_yaml import YamlProblem

if TYPE_CHECKING:
    from flask import Flask

    from assistant.flows.published import PublicationWatch

log = logging.getLogger(__name__)
RESCAN_SECONDS = 1.0


@dataclass
class FlowFile:
    """One file of the folder: the flow live from it (maybe an older good version) and its problems."""

    path: Path
    mtime: float
    digest: str
    flow: Flow | None
    problems: list[Problem] = field(default_factory=list)


def read_flow(path: Path, text: str | None = None) -> tuple[Loaded, list[Problem]]:
    """Load and check one flow file: the load result and every file-level problem."""
    try:
        text = safe_yaml.read_text(path) if text is None else text
    except YamlProblem as exc:
        problem = yaml_problem(exc, str(path))
        return Loaded(None, None, Locator(), [problem]), [problem]
    except (OSError, UnicodeDecodeError) as exc:
        problem = Problem(1, 1, f"cannot read the file: {exc}", "save it as UTF-8 text", path=str(path))
        return Loaded(None, None, Locator(), [problem]), [problem]
    loaded = load_text(text, path=str(path))
    problems = list(loaded.problems)
    if loaded.checkable is not None:  # a file with schema errors still has what parsed checked
        problems += run_checks(loaded.checkable, loaded.locator, str(path))
    return loaded, sorted(set(problems))


class FlowRegistry:
    """Flows keyed by id, from `*.yaml` files in a folder."""

    def __init__(self, folder: Path, *, reload: bool = True,
                 catalog_check: Callable[[Flow, Locator, str], list[Problem]] | None = None,
                 watch: PublicationWatch | None = None) -> None:
        self.folder = Path(folder)
        self.reload = reload
        self.watch = watch
        """With reload off: rescan when a publication was recorded (by any node)."""
        self.catalog_check = catalog_check
        """Catalog errors of a flow about to be served (flows.live_check); a file with one is not served."""
        self._files: dict[Path, FlowFile] = {}
        self._lock = threading.Lock()
        self._scanned = 0.0
        self.refresh(force=True)  # the first scan happens whether or not the folder is watched

    def refresh(self, *, force: bool = False) -> None:
        """Re-read files changed since the last scan: at most once a second with reload on, else only when forced
        or when a flow was published (asked at most every published.CHECK_SECONDS)."""
        if not force and not self.reload:
            if self.watch is None or not self.watch.moved():
                return
        elif not force and time.monotonic() - self._scanned < RESCAN_SECONDS:
            return
        with self._lock:
            self._scanned = time.monotonic()
            present = flow_files(self.folder)  # drafts (`*.draft.yaml`) are never served
            for gone in set(self._files) - set(present):
                del self._files[gone]
            for path in present:
                self._reload(path)

    def _reload(self, path: Path) -> None:
        mtime = path.stat().st_mtime
        known = self._files.get(path)
        if known and known.mtime == mtime:
            return
        oversized = path.stat().st_size > safe_yaml.MAX_BYTES  # refused by read_flow without being read
        text = b"" if oversized else path.read_bytes()
        digest = f"oversized {mtime}" if oversized else hashlib.sha256(text).hexdigest()[:12]
        if known and known.digest == digest:
            known.mtime = mtime
            return
        loaded, problems = read_flow(path) if oversized else read_flow(path, text.decode("utf-8", errors="replace"))
        flow = loaded.flow if not errors(problems) else None
        if flow is not None and self.catalog_check is not None:  # errors are errors: the same check as flows check
            problems = sorted(problems + self.catalog_check(flow, loaded.locator, str(path)))
            flow = flow if not errors(problems) else None
        clash = self._id_clash(path, flow)
        if clash:
            problems.append(clash)
            flow = None
        if flow is None:
            for problem in errors(problems):
                log.error("flow not (re)loaded: %s", problem.format())
            if known and known.flow:
                log.warning("%s: keeping the last good version of flow '%s' (%d error(s) in the file, above)",
                            path, known.flow.id, len(errors(problems)))
        self._files[path] = FlowFile(path, mtime, digest, flow or (known.flow if known else None), problems)

    def _id_clash(self, path: Path, flow: Flow | None) -> Problem | None:
        if flow is None:
            return None
        for other in self._files.values():
            if other.path != path and other.flow and other.flow.id == flow.id:
                return Problem(1, 1, f"flow id '{flow.id}' is already used by {other.path.name}",
                               "give every flow file its own `id:`", path=str(path))
        return None

    def flows(self) -> list[Flow]:
        """Every live flow, in file-name order."""
        self.refresh()
        return [f.flow for f in self._files.values() if f.flow is not None]

    def get(self, flow_id: str) -> Flow:
        """The live flow `flow_id`, or NotFound."""
        for flow in self.flows():
            if flow.id == flow_id:
                return flow
        raise NotFound(f"no flow has the id '{flow_id}'", field="flow")

    def for_page(self, page: str) -> list[Flow]:
        """Flows whose entry pages match the URL path `page`."""
        return [f for f in self.flows() if any(fnmatch.fnmatchcase(page, p) for p in f.entry.pages)]

    def live_from(self, path: Path) -> Flow | None:
        """The flow served from the file at `path`: its current version, or the last good one kept."""
        self.refresh()
        known = self._files.get(Path(path))
        return known.flow if known else None

    def path_of(self, flow_id: str) -> Path | None:
        """The file the live flow `flow_id` is served from, if any."""
        self.refresh()
        return next((f.path for f in self._files.values() if f.flow is not None and f.flow.id == flow_id), None)

    def problems(self) -> dict[Path, list[Problem]]:
        """Problems of every file, by path."""
        self.refresh()
        return {path: f.problems for path, f in self._files.items() if f.problems}


def init_app(app: Flask, folder: Path, *, reload: bool, catalog_check: bool = True) -> None:
    """Load the flow folder into the app; with `catalog_check`, a file with a catalog error is not served."""
    from assistant.db import get_engine
    from assistant.flows import live_check  # Flask and the database: not for `flows check`
    from assistant.flows.published import PublicationWatch, publication_mark

    check = live_check.catalog_check(app) if catalog_check else None
    watch = None if reload else PublicationWatch(publication_mark(get_engine(app)))
    app.extensions.setdefault("assistant", {})["flows"] = FlowRegistry(folder, reload=reload, catalog_check=check,
                                                                       watch=watch)


def get_registry(app: Flask | None = None) -> FlowRegistry:
    """The flow registry of `app` (default: the current app)."""
    from flask import current_app  # here: `flows check` reads files with this module, without Flask

    return (app or current_app).extensions["assistant"]["flows"]
