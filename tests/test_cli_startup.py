"""The CLI starts light: help loads click and none of the stack; the demo's advice names the command as run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import migrate
from assistant.cli import command_name

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("flask", "werkzeug", "sqlalchemy", "sqlmodel", "pydantic", "alembic", "numpy", "scipy", "sklearn",
         "pandas", "jinja2", "yaml", "gunicorn")
"""Top-level packages a command imports only when it runs (`-X importtime` lists every module loaded)."""


def modules_loaded(*args: str, url: str = "sqlite:///nowhere/none.db") -> set[str]:
    """The top-level packages `python -m assistant ARGS` imported, read from `-X importtime` on stderr."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "assistant", *args], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "DATABASE_URL": url})
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in result.stderr.splitlines()
            if line.startswith("import time:") and "|" in line} - {"imported package"}


@pytest.mark.parametrize("args", [["--help"], ["catalog", "import", "--help"], ["admin", "create-user", "--help"],
                                  ["flows", "check", "--help"], ["demo", "--help"], ["baskets", "run", "--help"]])
def test_help_imports_none_of_the_stack(args: list[str]) -> None:
    loaded = modules_loaded(*args)
    assert "click" in loaded and "assistant" in loaded  # the probe sees what it should
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_commands_that_work_load_no_web_framework(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    feed = tmp_path / "products.csv"
    feed.write_text("sku,title,price\nA1,Shoe,10\n")
    for args in (["site", "create", "--name", "Shop", "--key", "pk_x"], ["site", "list"],
                 ["catalog", "import", str(feed), "--site", "pk_x"],
                 ["flows", "check", "--no-catalog", str(ROOT / "flows" / "backpacks.yaml")]):
        loaded = modules_loaded(*args, url=url)
        assert "sqlalchemy" in loaded and not loaded & {"flask", "jinja2", "gunicorn"}, (args, loaded)


def test_the_command_named_is_the_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "assistant"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert command_name("bin/assistant") == "bin/assistant"  # as `make demo` runs it: .venv/bin/assistant
    assert command_name(str(script)) == "bin/assistant"
    assert command_name(str(tmp_path / "pkg" / "assistant" / "__main__.py"),
                        python=str(tmp_path / "bin" / "python")) == "bin/python -m assistant"
    assert command_name("/usr/bin/assistant-elsewhere/__main__.py", python="/opt/py/bin/python3") == \
        "/opt/py/bin/python3 -m assistant"
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    assert command_name(str(script)) == "assistant"  # on PATH: the plain name works
    monkeypatch.chdir(tmp_path / "bin")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert command_name(str(script)) == "./assistant"
