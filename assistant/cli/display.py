"""What a command prints about where things are (the command as it was run, a path, a database URL) and how a
check of files ends."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from assistant.flows.problems import Problem


def command_name(argv0: str | None = None, python: str | None = None) -> str:
    """How the user ran this command, to tell them the next one: `assistant` when that name on PATH is
    this very script, else the path they typed (`.venv/bin/assistant`), or `python -m assistant`."""
    import shutil

    script = Path(sys.argv[0] if argv0 is None else argv0)
    if script.name == "__main__.py":
        return f"{shown(Path(python or sys.executable))} -m assistant"
    on_path = shutil.which(script.name)
    if on_path and script.exists() and Path(on_path).resolve() == script.resolve():
        return script.name
    return shown(script)


def shown(path: Path) -> str:
    """`path` as short as it can be typed from here: relative when it is under the working folder."""
    if path.is_absolute() and path.is_relative_to(Path.cwd()):
        path = path.relative_to(Path.cwd())
    return str(path) if len(path.parts) > 1 or path.is_absolute() else f"./{path}"


def safe_url(url: str) -> str:
    """A database URL with its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def print_problems(problems: list[Problem]) -> bool:
    """Print each of a file's problems (file:line, message, hint); whether any of them is an error."""
    from assistant.flows.problems import errors

    for problem in problems:
        click.echo(problem.format())
    return bool(errors(problems))


def end_check(count: int, what: str, failed: bool) -> NoReturn:
    """Say how many files were checked and whether errors were found, then exit 1 on errors, else 0."""
    counts = f"{count} {what} file(s) checked"
    click.echo(f"{counts}: errors found" if failed else f"{counts}: no errors", err=True)
    sys.exit(1 if failed else 0)
