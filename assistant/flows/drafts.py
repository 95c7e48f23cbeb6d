"""Draft flow files: `<id>.draft.yaml` beside the live file, never served, and the atomic write that publishes.

A draft is a merchandiser's next version of a flow. The registry serves every `*.yaml` of the folder but
these, so a draft can sit beside the live file while it is replayed and reviewed. Publishing replaces the
live file in one rename: a worker's rescan sees the old text or the new, never half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DRAFT_SUFFIX = ".draft.yaml"


def is_draft(path: Path) -> bool:
    """Whether `path` is a draft (`*.draft.yaml` or `*.draft.yml`), which the registry never serves."""
    return path.name.endswith((DRAFT_SUFFIX, ".draft.yml"))


def flow_files(folder: Path) -> list[Path]:
    """The folder's flow files that may be served: its YAML files but drafts, in name order."""
    return [p for p in sorted(folder.glob("*.y*ml")) if not is_draft(p)] if folder.is_dir() else []


def draft_path(live: Path) -> Path:
    """Where the draft of the flow file `live` sits: beside it, `<name>.draft.yaml`."""
    return live.with_name(live.name.split(".")[0] + DRAFT_SUFFIX)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename (the temporary file is hidden and not YAML-named, so no scan
    picks it up), flushed to disk first, keeping the file's permissions."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
