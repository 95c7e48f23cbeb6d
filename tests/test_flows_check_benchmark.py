"""benchmarks/flows_check.py runs end to end at a small size, and the old and new checks agree there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_flows_check_benchmark_runs_and_agrees() -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks.flows_check", "--size", "600", "--old-size", "400"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[:3] for line in lines[2:5]] == [["400", "old:", "Product"], ["400", "new:", "catalog"],
                                                         ["600", "new:", "catalog"]]
    assert "same problems: yes" in lines[5]
    assert any("more answer paths leave no product in stock" in line for line in lines[6:])
