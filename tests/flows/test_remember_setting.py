"""`remember:` in a flow file: a bad value, or a question that could never be carried over, at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flows.test_checks import VALID, problems_of
from tests.test_cli import run


@pytest.mark.parametrize(("text", "expected"), [
    (VALID.replace("title: Find your shoe", "title: Find your shoe\nremember: sometimes"),
     (3, "remember: input should be a valid boolean")),
    (VALID.replace("    type: range", "    type: range\n    remember: [yes]"),
     (13, "question 'budget', remember: input should be a valid boolean")),
    (VALID.replace("    type: range", "    type: range\n    remember: true"),
     (13, "question 'budget' is never carried over: 'terrain' is always asked before it and not remembered")),
])
def test_a_bad_remember_setting_is_an_error_at_its_line(tmp_path: Path, text: str,
                                                        expected: tuple[int, str]) -> None:
    found = problems_of(text, tmp_path)
    line, start = expected
    assert any(p[0] == line and p[1] == "error" and p[2].startswith(start) for p in found), found


@pytest.mark.parametrize("text", [
    VALID.replace("title: Find your shoe", "title: Find your shoe\nremember: true"),
    VALID.replace("    type: single", "    type: single\n    remember: true", 1),  # the first question alone
    VALID.replace("title: Find your shoe", "title: Find your shoe\nremember: true").replace(
        "    type: range", "    type: range\n    remember: false"),
])
def test_remember_settings_that_can_work_pass(tmp_path: Path, text: str) -> None:
    assert problems_of(text, tmp_path) == []


def test_flows_check_prints_the_file_and_line(tmp_path: Path) -> None:
    flow = tmp_path / "shoes.yaml"
    flow.write_text(VALID.replace("    type: range", "    type: range\n    remember: true"))
    result = run("flows", "check", "--no-catalog", str(flow), tmp_path=tmp_path)
    assert result.returncode == 1
    assert f"{flow}:13:15: error: question 'budget' is never carried over" in result.stdout, result.stdout
