"""The CPU of importing the app beside importing flask alone, and where -X importtime says it goes."""

from __future__ import annotations

import math
import os
import subprocess
import sys

from benchmarks.common import ROOT


def child_cpu(code: str, *, runs: int = 3) -> float:
    """Least CPU seconds (user + system) of `python -c code` over `runs` runs."""
    best = math.inf
    for _ in range(runs):
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            sys.exit(f"python -c {code!r} failed with {process.returncode}")
        best = min(best, usage.ru_utime + usage.ru_stime)
    return best


def import_costs() -> None:
    """Print the CPU of importing the app beside flask alone, and where -X importtime says it goes."""
    bare_python = child_cpu("pass")
    flask_alone = child_cpu("import flask")
    app = child_cpu("import assistant.app")
    print(f"import CPU (best of 3): python alone {bare_python:.2f} s, `import flask` {flask_alone:.2f} s, "
          f"`import assistant.app` {app:.2f} s ({app / flask_alone:.1f}x flask)")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import assistant.app"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    by_package: dict[str, int] = {}
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            by_package[package] = by_package.get(package, 0) + int(parts[0])
    total = sum(by_package.values())
    ranked = sorted(by_package.items(), key=lambda item: -item[1])[:8]
    print(f"  -X importtime, own time of each package's modules (wall, inflated by the tracing; {total / 1e6:.2f} s "
          "in all): " + ", ".join(f"{name} {us / 1e6:.2f} s" for name, us in ranked))
