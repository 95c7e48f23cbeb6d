"""Under CI=true every kind of skip fails the run (tests/ci_skips.py); without CI they stay skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPING = '''
import pytest


@pytest.fixture
def missing():
    pytest.skip("no server here")


@pytest.mark.skip(reason="marker")
def test_marker(): pass


@pytest.mark.skipif(True, reason="condition")
def test_skipif(): pass


def test_skip_call(): pytest.skip("called")


def test_importorskip(): pytest.importorskip("no_such_package_here")


def test_fixture_skips(missing): pass


@pytest.mark.xfail(reason="known bug", strict=True)
def test_expected_failure(): assert False


def test_fine(): pass
'''
SKIPPED_MODULE = 'import pytest\n\npytest.importorskip("no_such_package_either")\n\n\ndef test_never(): pass\n'


def run(ci: str, *files: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": ci}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.ci_skips", "-p", "no:cacheprovider",
                           "-q", "-rfEs", "--rootdir", str(files[0].parent), "-c", os.devnull, *map(str, files)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def skipping(tmp_path: Path) -> Path:
    path = tmp_path / "test_skipping.py"
    path.write_text(SKIPPING)
    return path


@pytest.fixture
def skipped_module(tmp_path: Path) -> Path:
    path = tmp_path / "test_skipped_module.py"
    path.write_text(SKIPPED_MODULE)
    return path


def test_under_ci_every_skipped_test_fails(skipping: Path) -> None:
    result = run("true", skipping)
    assert result.returncode == 1, result.stdout
    # skipped while running: failed; skipped in setup (a marker, a fixture): an error
    assert "2 failed, 1 passed, 1 xfailed, 3 errors" in result.stdout.strip().splitlines()[-1], result.stdout
    for reason in ["marker", "condition", "called", "could not import 'no_such_package_here'", "no server here"]:
        assert f"CI=true allows no skip: {reason}" in result.stdout, reason


def test_under_ci_a_module_skipped_at_import_fails_the_run(skipped_module: Path) -> None:
    result = run("true", skipped_module)
    assert result.returncode == 2, result.stdout  # interrupted: an error during collection
    assert "CI=true allows no skip" in result.stdout and "no_such_package_either" in result.stdout


def test_without_ci_they_are_skips(skipping: Path, skipped_module: Path) -> None:
    result = run("", skipping, skipped_module)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 6 skipped, 1 xfailed" in result.stdout.strip().splitlines()[-1], result.stdout
