"""`assistant flows diff LIVE DRAFT [--replay 30d]`: the structural diff, and the replay on stored sessions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session

from assistant.sites.models import Site
from tests.flows.test_replay import LIVE, NARROWED, stock_shop


def diff(tmp_path: Path, database_url: str, *extra: str, draft: str = NARROWED) -> subprocess.CompletedProcess[str]:
    (tmp_path / "shoes.yaml").write_text(LIVE)
    (tmp_path / "shoes.draft.yaml").write_text(draft)
    environ = {**os.environ, "DATABASE_URL": database_url, "ASSISTANT_FLOWS": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "assistant", "flows", "diff", "shoes.yaml", "shoes.draft.yaml",
                           *extra], capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=120)


def test_diff_without_replay_lists_the_changed_filter(tmp_path: Path, database_url: str) -> None:
    result = diff(tmp_path, database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "1 change(s) from shoes.yaml to shoes.draft.yaml",
        """  question 'terrain' answer 'trail': filter: {"terrain": ["trail", "mixed"]} -> {"terrain": ["trail"]}"""]


def test_replay_reports_the_sessions_changed_and_the_newly_empty_path(tmp_path: Path, database_url: str,
                                                                      session: Session, site: Site) -> None:
    stock_shop(session, site)
    result = diff(tmp_path, database_url, "--replay", "30d", "--site", "pk_test")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Replay of 9 sessions (3 distinct answer sets) of the last 30 days" in out
    assert "  other products:   3 sessions (33.3%)" in out
    assert "  relaxed answers:  0.0% -> 33.3%" in out
    assert "Paths that newly end empty: 1\n  terrain=trail > colour=dark  (3 sessions; 1.0 products before)" in out
    assert "  t1  2 -> 5 (+3)" in out and "  m1  7 -> 4 (-3)" in out


def test_a_draft_with_errors_and_a_bad_window_are_clear(tmp_path: Path, database_url: str) -> None:
    broken = diff(tmp_path, database_url, draft=LIVE.replace("type: single", "type: singel", 1))
    assert broken.returncode == 1
    assert "shoes.draft.yaml:6:11: error:" in broken.stderr and "errors found: fix them first" in broken.stderr
    bad = diff(tmp_path, database_url, "--replay", "a month")
    assert bad.returncode == 2 and "'a month' is not a number of days such as 30d" in bad.stderr
