"""The nightly benchmark runs end to end at a small size and prints its comparison."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_prints_time_memory_and_ratio() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.insight_nightly", "--customers", "400", "--events",
                           "3000"], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("pk_bench: 400 customers,") and "BG/NBD r" in lines[1]
    assert any(line.startswith("nightly job") and " MB " in line for line in lines)
    assert lines[-1].startswith("ratio to reading alone: ")
