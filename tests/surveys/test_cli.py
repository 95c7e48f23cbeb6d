"""`assistant surveys check`, run as a user would: file:line:column: message, a hint, exit 1 on errors only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.surveys.test_checks import MANY_MISTAKES, VALID
from tests.test_cli_startup import HEAVY, modules_loaded


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ASSISTANT_SURVEYS"}
    return subprocess.run([sys.executable, "-m", "assistant", "surveys", "check", *args], capture_output=True,
                          text=True, env={**environ, **(env or {})}, cwd=cwd, timeout=120)


def test_the_shipped_folder_passes_by_default(tmp_path: Path) -> None:
    result = run(cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert "4 survey file(s) checked: no errors" in result.stderr


def test_every_mistake_is_printed_at_its_place_and_the_exit_code_is_1(tmp_path: Path) -> None:
    result = run(str(MANY_MISTAKES), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    problems = [line for line in lines if not line.startswith("    hint: ")]
    assert len(problems) == 18 and len(lines) == 36  # every problem has its hint line
    assert problems[0] == f"{MANY_MISTAKES}:3:1: error: unknown key 'titel' in the survey"
    assert lines[1] == "    hint: did you mean `title`?"
    assert f"{MANY_MISTAKES}:25:45: error: 'detractors' is not a score group of nps" in problems
    assert "1 survey file(s) checked: errors found" in result.stderr


def test_warnings_are_printed_but_pass(tmp_path: Path) -> None:
    path = tmp_path / "ja.yaml"
    path.write_text(VALID + "locale: ja\n", encoding="utf-8")
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith(f"{path}:17:9: warning: the survey is in 'ja' but shows English defaults")


def test_the_folder_setting_and_ids_shared_by_two_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(VALID, encoding="utf-8")
    result = run(cwd=tmp_path, env={"ASSISTANT_SURVEYS": str(tmp_path)})
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (f"{tmp_path / 'b.yaml'}:1:5: error: survey id 'after-order' is already "
                                             f"used by {tmp_path / 'a.yaml'}")
    assert run(str(tmp_path / "a.yaml"), cwd=tmp_path).returncode == 0


def test_a_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = run(str(tmp_path / "none.yaml"), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.startswith(f"{tmp_path / 'none.yaml'}:1:1: error: cannot read the file")


def test_help_imports_none_of_the_stack() -> None:
    loaded = modules_loaded("surveys", "check", "--help")
    assert "click" in loaded and loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_a_folder_stands_for_its_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.yml").write_text(VALID.replace("id: after-order", "id: other"), encoding="utf-8")
    result = run(str(tmp_path), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert "2 survey file(s) checked: no errors" in result.stderr
