"""`assistant` commands as a user runs them (a new process each) beside the same work done in-process, in one run.

    .venv/bin/python -m benchmarks.cli_startup [--runs 3] [--rows 1303]

Four commands, each timed as a child process of the console script (interpreter start, imports, the
schema check and the work), against two baselines of the same work done by plain function calls:

- **script**: a new process that imports only what the work needs and calls it (this module run as
  `--work NAME ARGS`): what a user's own Python script doing the job would cost, start-up included;
- **in-process**: the same calls in this process after one untimed warm-up, so that modules are
  imported and files cached: the work alone.

The commands and their work:

- `assistant --help`, against click rendering the same help in-process (and, for scale, a bare
  `python -c pass`: the floor of any command);
- `assistant site list` on the demo database, against opening the database and selecting the sites;
- `assistant flows check` of the demo's three flows against the demo catalog (300 products), against
  reading and checking each file (`read_flow`), building the catalog index and running the catalog
  checks;
- `assistant catalog import` of a generated 1,303-row CSV (15 columns, as benchmarks/catalog_import.py
  writes them) into a fresh SQLite database, against reading the rows and `import_products` into
  another fresh copy of the same database.

Each is run --runs times, alternating command, script and in-process; the table shows the best
(lowest) wall and CPU seconds of each and the ratios command/script and command/in-process. CPU of a
child is its user + system time (`RUSAGE_CHILDREN`), of the in-process work this process's. The
module imports only the standard library at its top, so that the script baseline starts light.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = 1303


def child_cpu() -> float:
    """CPU seconds of every finished child so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_child(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process; it must exit 0."""
    cpu, started = child_cpu(), time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {result.returncode}: {result.stderr.decode()[-2000:]}")
    return wall, child_cpu() - cpu


def time_here(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of `work()` in this process."""
    cpu, started = time.process_time(), time.perf_counter()
    work()
    return time.perf_counter() - started, time.process_time() - cpu


def help_here() -> None:
    from assistant.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(["--help"])


def site_list_here(url: str) -> None:
    from sqlalchemy import text

    from assistant.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT key, name, allowed_origins FROM site ORDER BY id")).all()
    engine.dispose()


def flows_check_here(url: str, flows: list[Path]) -> None:
    from sqlalchemy import text

    from assistant.catalog.index import build_index
    from assistant.db import make_engine
    from assistant.flows.catalog_checks import check_against_catalog
    from assistant.flows.registry import read_flow

    engine = make_engine(url)
    with engine.connect() as connection:
        index = build_index(connection, connection.execute(text("SELECT id FROM site")).scalar_one())
    engine.dispose()
    for path in flows:
        loaded, _problems = read_flow(path)
        assert loaded.flow is not None
        check_against_catalog(loaded.flow, loaded.locator, index, str(path))


def import_here(url: str, csv: Path, rows: int) -> None:
    from assistant.catalog.importers import read_rows
    from assistant.catalog.service import import_products
    from assistant.db import make_engine, session_scope
    from assistant.sites.service import get_site_by_key

    engine = make_engine(url)
    with session_scope(engine) as session:
        report = import_products(session=session, site=get_site_by_key(session=session, key="pk_bench"),
                                 rows=read_rows(csv))
    engine.dispose()
    assert report.created == rows and not report.errors, report


def demo_database(folder: Path) -> str:
    """A migrated SQLite database with the demo shop's catalog (the only site)."""
    from assistant import migrate
    from assistant.db import make_engine, session_scope
    from assistant.demo.build import build_demo

    url = f"sqlite:///{folder / 'demo.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        build_demo(session=session, origins=[])
    engine.dispose()
    return url


WORK: dict[str, Callable[..., None]] = {
    "help": help_here,
    "site_list": site_list_here,
    "flows_check": lambda url, *flows: flows_check_here(url, [Path(f) for f in flows]),
    "catalog_import": lambda url, csv, rows: import_here(url, Path(csv), int(rows)),
}
"""The work of each command as plain calls, for `--work NAME ARGS` (the script baseline)."""


def main() -> None:
    """Run the benchmark and print its table (or, with --work, do one piece of work: the script baseline)."""
    if sys.argv[1:2] == ["--work"]:
        WORK[sys.argv[2]](*sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    from benchmarks.catalog_import import write_csv
    from benchmarks.common import database

    script = Path(sys.executable).parent / "assistant"
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "assistant"]
    work = [sys.executable, "-m", "benchmarks.cli_startup", "--work"]
    flows = sorted((ROOT / "flows").glob("*.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "empty").mkdir()
        with database("sqlite", folder / "empty") as empty_url:
            template = Path(empty_url.removeprefix("sqlite:///"))
        demo_url = demo_database(folder)
        csv = write_csv(folder / "products.csv", args.rows)
        environ = {"PATH": "/usr/bin:/bin", "HOME": tmp, "ASSISTANT_FLOWS": str(ROOT / "flows")}
        demo_env = {**environ, "DATABASE_URL": demo_url}

        def fresh(name: str) -> str:
            target = folder / f"{name}.db"
            for suffix in ("", "-wal", "-shm", "-writers"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copy(template, target)
            return f"sqlite:///{target}"

        Timer = Callable[[], tuple[float, float]]
        cases: list[tuple[str, Timer, Timer, Timer]] = [
            ("--help", lambda: time_child([*cli, "--help"], demo_env),
             lambda: time_child([*work, "help"], demo_env), lambda: time_here(help_here)),
            ("site list", lambda: time_child([*cli, "site", "list"], demo_env),
             lambda: time_child([*work, "site_list", demo_url], demo_env),
             lambda: time_here(lambda: site_list_here(demo_url))),
            ("flows check (3 demo flows)", lambda: time_child([*cli, "flows", "check"], demo_env),
             lambda: time_child([*work, "flows_check", demo_url, *map(str, flows)], demo_env),
             lambda: time_here(lambda: flows_check_here(demo_url, flows))),
            (f"catalog import ({args.rows:,} rows)",
             lambda: time_child([*cli, "catalog", "import", str(csv), "--site", "pk_bench"],
                                {**environ, "DATABASE_URL": fresh("command")}),
             lambda: time_child([*work, "catalog_import", fresh("script"), str(csv), str(args.rows)], environ),
             lambda: time_here(lambda: import_here(fresh("here"), csv, args.rows))),
        ]
        bare = min(time_child([sys.executable, "-c", "pass"], environ) for _ in range(args.runs))
        print(f"best of {args.runs}; wall and CPU seconds; ratios: the command's over each baseline's")
        print(f"{'':<28}{'command':>13}{'script':>13}{'in-process':>13}{'cmd/script':>13}{'cmd/in-proc':>13}")
        print(f"{'':<28}" + "   wall   cpu" * 5)
        print(f"{'(python -c pass)':<28}{bare[0]:>7.3f}{bare[1]:>6.3f}")
        for name, command, baseline, here in cases:
            here()  # warm-up: imports and file cache, untimed
            runs = [(command(), baseline(), here()) for _ in range(args.runs)]
            best = [(min(r[i][0] for r in runs), min(r[i][1] for r in runs)) for i in range(3)]
            (wall, cpu), (script_wall, script_cpu), (here_wall, here_cpu) = best
            print(f"{name:<28}" + "".join(f"{w:>7.3f}{c:>6.3f}" for w, c in best)
                  + f"{wall / script_wall:>7.2f}{cpu / script_cpu:>6.2f}"
                  + f"{wall / here_wall:>7.1f}{cpu / max(here_cpu, 1e-3):>6.1f}")


if __name__ == "__main__":
    main()
