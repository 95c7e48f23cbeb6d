"""Saving a survey file edited in the admin: only a text `surveys check` finds no error in is written.

The file is replaced whole (a temporary file in the same folder, then a rename), so the registry, which
re-reads a changed file, never sees half a file; it is then reloaded at once. The survey keeps its id:
a new id would orphan its responses and could clash with another file's.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from assistant.flows.problems import Problem, errors
from assistant.surveys.checks import read_survey
from assistant.surveys.registry import SurveyRegistry


def save_survey(*, registry: SurveyRegistry, survey_id: str, text: str) -> tuple[bool, list[Problem]]:
    """Check `text` as the file of survey `survey_id` and write it when it has no error: (saved, problems)."""
    path = registry.path_of(survey_id)
    if path is None:
        return False, [Problem(1, 1, f"no live survey has the id '{survey_id}'", "reload the page", path="")]
    loaded, problems = read_survey(path, text.replace("\r\n", "\n"))
    survey = loaded.survey
    if survey is not None and survey.id != survey_id:
        problems.append(Problem(1, 1, f"the id is '{survey.id}': a survey edited here keeps its id '{survey_id}'",
                                "write a new survey as a new file; its responses are kept under its id",
                                path=str(path)))
    if errors(problems):
        return False, problems
    _replace(path, text.replace("\r\n", "\n"))
    registry.refresh(force=True)
    return True, problems


def _replace(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
