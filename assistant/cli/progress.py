"""The progress bar of an import: bytes of the file read, on a terminal only."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click


@contextmanager
def file_progress(file: Path) -> Iterator[Callable[[int], None] | None]:
    """A progress bar of the bytes of `file` read, on a terminal's stderr; nothing (None) elsewhere."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=file.stat().st_size, label=f"importing {file.name}", file=sys.stderr,
                           show_pos=False, show_percent=True, show_eta=True) as bar:
        yield bar.update
