"""SurveyRegistry: the surveys of a folder, reloaded on change, keeping the last good version of a broken file."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant import safe_yaml
from assistant.errors import NotFound
from assistant.flows.problems import Problem, errors
from assistant.surveys.checks import read_survey
from assistant.surveys.schema import Survey

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)
RESCAN_SECONDS = 1.0


@dataclass
class SurveyFile:
    """One file of the folder: the survey live from it (maybe an older good version) and its problems."""

    path: Path
    mtime: float
    digest: str
    survey: Survey | None
    problems: list[Problem] = field(default_factory=list)


class SurveyRegistry:
    """Surveys keyed by id, from the `*.yaml` files of a folder."""

    def __init__(self, folder: Path, *, reload: bool = True) -> None:
        self.folder = Path(folder)
        self.reload = reload
        self._files: dict[Path, SurveyFile] = {}
        self._lock = threading.Lock()
        self._scanned = 0.0
        self._scan()  # loaded now, watched or not: `refresh` alone would skip it with reload off

    def refresh(self, *, force: bool = False) -> None:
        """Re-read the files changed since the last scan: at most once a second with reload on, else only forced."""
        if force or (self.reload and time.monotonic() - self._scanned >= RESCAN_SECONDS):
            self._scan()

    def _scan(self) -> None:
        """Re-read the folder into a new table, swapped in whole: a reader iterating the old one is never disturbed."""
        with self._lock:
            self._scanned = time.monotonic()
            present = sorted(self.folder.glob("*.y*ml")) if self.folder.is_dir() else []
            files = {path: known for path, known in self._files.items() if path in present}
            for path in present:
                self._reload(path, files)
            self._files = {path: files[path] for path in present if path in files}  # in file-name order

    def _reload(self, path: Path, files: dict[Path, SurveyFile]) -> None:
        known = files.get(path)
        try:
            stat = path.stat()
            if known and known.mtime == stat.st_mtime:
                return
            oversized = stat.st_size > safe_yaml.MAX_BYTES  # refused by read_survey without being read
            raw = b"" if oversized else path.read_bytes()
        except OSError as exc:  # removed or unreadable between the listing and now: the next scan sees it
            log.warning("survey file %s not read: %s", path, exc)
            return
        digest = f"oversized {stat.st_mtime}" if oversized else hashlib.sha256(raw).hexdigest()[:16]
        if known and known.digest == digest:
            files[path] = SurveyFile(path, stat.st_mtime, digest, known.survey, known.problems)
            return
        loaded, problems = read_survey(path) if oversized else read_survey(path, raw.decode("utf-8", "replace"))
        survey = loaded.survey if not errors(problems) else None
        clash = _id_clash(path, survey, files)
        if clash:
            problems.append(clash)
            survey = None
        if survey is None:
            for problem in errors(problems):
                log.error("survey not (re)loaded: %s", problem.format())
            if known and known.survey:
                log.warning("%s: keeping the last good version of survey '%s' (%d error(s) in the file, above)",
                            path, known.survey.id, len(errors(problems)))
        kept = survey or (known.survey if known else None)
        files[path] = SurveyFile(path, stat.st_mtime, digest, kept, problems)

    def surveys(self) -> list[Survey]:
        """Every live survey (inactive ones too: see `Survey.active`), in file-name order."""
        self.refresh()
        return [f.survey for f in self._files.values() if f.survey is not None]

    def get(self, survey_id: str) -> Survey:
        """The live survey `survey_id`, or NotFound."""
        for survey in self.surveys():
            if survey.id == survey_id:
                return survey
        raise NotFound(f"no survey has the id '{survey_id}'", field="survey")

    def path_of(self, survey_id: str) -> Path | None:
        """The file the live survey `survey_id` comes from, or None."""
        self.refresh()
        return next((f.path for f in self._files.values() if f.survey is not None and f.survey.id == survey_id),
                    None)

    def problems(self) -> dict[Path, list[Problem]]:
        """The problems of every file that has some (warnings included), by path."""
        self.refresh()
        return {path: f.problems for path, f in self._files.items() if f.problems}


def _id_clash(path: Path, survey: Survey | None, files: dict[Path, SurveyFile]) -> Problem | None:
    if survey is None:
        return None
    for other in files.values():
        if other.path != path and other.survey and other.survey.id == survey.id:
            return Problem(1, 1, f"survey id '{survey.id}' is already used by {other.path.name}",
                           "give every survey file its own `id:`", path=str(path))
    return None


def init_app(app: Flask, folder: Path, *, reload: bool) -> None:
    """Load the survey folder into the app (app.extensions['assistant']['surveys'])."""
    app.extensions.setdefault("assistant", {})["surveys"] = SurveyRegistry(folder, reload=reload)


def get_registry(app: Flask | None = None) -> SurveyRegistry:
    """The survey registry of `app` (default: the current app)."""
    from flask import current_app  # here: `surveys check` reads files with this package, without Flask

    return (app or current_app).extensions["assistant"]["surveys"]
