"""Promotions and analytics are domain packages: no Flask request state, no blueprints."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_structure import PACKAGE, imports_of


@pytest.mark.parametrize("package", ["promotions", "analytics"])
def test_no_request_globals_or_blueprints(package: str) -> None:
    for path in (PACKAGE / package).glob("*.py"):
        bad = {n for n in imports_of(path) if n.startswith(("flask", "assistant.api", "assistant.admin",
                                                            "assistant.demo"))}
        assert not bad, f"{Path(path).name} imports {bad}"
