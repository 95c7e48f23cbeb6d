"""Every shipped flow and survey is offered in German and Arabic and checks without a missing translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import safe_yaml
from assistant.cli import main
from assistant.paths import resource_dir

FLOWS = sorted(resource_dir("flows").glob("*.yaml"))
SURVEYS = [p for p in sorted(resource_dir("surveys").glob("*.yaml")) if "\nlocale:" not in p.read_text()]


@pytest.mark.parametrize("path", FLOWS + SURVEYS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_file_is_translated(path: Path) -> None:
    assert safe_yaml.load(path.read_text())["locales"] == ["de", "ar"]
    command = ["flows", "check", "--no-catalog"] if path.parent.name == "flows" else ["surveys", "check"]
    result = CliRunner().invoke(main, [*command, str(path)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output, result.output
