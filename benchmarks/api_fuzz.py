"""A long Schemathesis run against the live API: the CI test (tests/ops/test_schemathesis.py) with more cases.

    python -m benchmarks.api_fuzz [--examples 200] [--max-time 600] [--seed N] [--database-url URL] [--keep DIR]

Sets up the README's production shop (SQLite by default; --database-url postgresql+psycopg://... for an empty
PostgreSQL database), serves it with gunicorn, runs every phase of Schemathesis over every operation of
/api/v1/openapi.json with the same checks as CI, and prints its report and the time taken. Exits with
Schemathesis's code: 0 when nothing failed. --keep writes the config and the NDJSON report into DIR, where
`schemathesis replay` finds the failing cases.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.ops.live_api import live_shop, schemathesis, write_config


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz; Schemathesis's exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="cases per operation and phase")
    parser.add_argument("--max-time", type=int, default=600, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="an empty database (default: a new SQLite file)")
    parser.add_argument("--keep", type=Path, default=None, help="a folder for the config and the report")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        out = args.keep or folder
        out.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with live_shop(args.database_url or f"sqlite:///{folder / 'shop.db'}", folder) as shop:
            config = write_config(shop, out / "schemathesis.toml", examples=args.examples, seed=args.seed)
            done = schemathesis(shop, config, out / "events.ndjson", "--max-time", str(args.max_time),
                                timeout=args.max_time + 120)
        print(done.stdout + done.stderr)
        print(f"{time.monotonic() - started:.0f} s, exit code {done.returncode}")
        return done.returncode


if __name__ == "__main__":
    sys.exit(main())
