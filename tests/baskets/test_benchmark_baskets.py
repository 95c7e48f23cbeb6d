"""benchmarks/baskets.py runs end to end at a small size, and detection opens exactly the carts the data qualifies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_basket_benchmark_runs_and_its_count_checks() -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks.baskets", "--carts", "3000", "--events", "20000",
                             "--repeat", "1", "--backend", "sqlite"], capture_output=True, text=True, cwd=ROOT,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("sqlite: 3,000 carts, 4,500 visitors")
    assert [line.split("  ")[1].strip() for line in lines[1:]] == [
        "plain scan of idle carts", "(scan of the sequence window)", "detection, first run", "detection, next run",
        "recovery pre-check and counting"]
    assert all(line.endswith("x") for line in lines[1:])
