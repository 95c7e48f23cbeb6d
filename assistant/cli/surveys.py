"""`assistant surveys check`: every problem of survey files at file:line:column, with a hint; exit 1 on errors.

Registered on the `assistant` group by cli/__init__.py; imports only click until the command runs
(tests/test_cli_startup.py).
"""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli.display import end_check, print_problems


@click.group()
def surveys() -> None:
    """Survey files (NPS, CSAT, CES micro-surveys)."""


@surveys.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def surveys_check(files: tuple[Path, ...]) -> None:
    """Validate survey files or folders (default: the surveys folder); exit 1 on errors."""
    from assistant.cli.i18n import untranslated
    from assistant.config import Settings
    from assistant.flows.problems import Problem
    from assistant.surveys.checks import read_survey

    paths = [p for given in files or [Settings.from_env().surveys_dir]  # a folder stands for its files
             for p in (sorted(given.glob("*.y*ml")) if given.is_dir() else [given])]
    failed = False
    owners: dict[str, Path] = {}
    for path in paths:
        loaded, problems = read_survey(path)
        survey = loaded.survey
        if survey is not None and owners.setdefault(survey.id, path) != path:
            problems.append(Problem(*loaded.locator.at("id"), f"survey id '{survey.id}' is already used by "
                                    f"{owners[survey.id]}", "give every survey file its own `id:`", path=str(path)))
        if loaded.checkable is not None:
            problems = sorted(problems + untranslated(path))
        failed = print_problems(problems) or failed
    end_check(len(paths), "survey", failed)
