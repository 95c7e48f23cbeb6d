"""Under CI=true a skipped test is a failed one: a missing browser, database or package must not pass unseen.

tests/conftest.py takes these hooks in. Every kind of skip fails: a skip or skipif marker, pytest.skip() in a
test or a fixture, pytest.importorskip() in a test or at a module's import (a skip of the whole module while
it is collected). An expected failure (xfail) is not a skip and stays as it is.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def _fail(report: Any) -> None:
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, and CI=true allows no skip: {str(reason).removeprefix('Skipped: ')}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """A test skipped in setup or while it ran fails under CI."""
    outcome = yield
    _fail(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    """A module skipped while it is collected (importorskip or skip(allow_module_level=True)) fails under CI."""
    outcome = yield
    _fail(outcome.get_result())
