"""Catalog import at scale: `assistant catalog import` beside a plain insert of the same rows, in the same run.

    .venv/bin/python -m benchmarks.catalog_import [--rows 100000] [--backend sqlite|postgresql|both] [--runs 1]

Writes a realistic product CSV (SKU, title, a paragraph of description, price, a category path,
stock, rating and eight attributes, two of them lists), then, on a fresh database, runs each step
in a child process of its own so its peak RSS is its own:

- **plain insert** (the baseline): the same file's rows mapped and validated *before* the clock
  starts, then one DBAPI `executemany` of their final column values into the product table of a
  second site, and a commit;
- **first import**: `assistant catalog import products.csv` through the CLI's own code (click's
  `main`, as the console script calls it) into an empty catalog;
- **re-import, unchanged**: the same file again (every row counted unchanged, nothing written);
- **re-import, changed**: a feed in which every product's price and stock changed (every row updated).

Times are wall seconds of the command itself (the child's interpreter start and imports are not
counted, and neither is the baseline's untimed preparation), and the CPU seconds the child
spent in them: the database server's are not counted, so on PostgreSQL only the wall ratio
compares. Peak RSS is the child's `ru_maxrss`, imports included. The ratio is each step's seconds
over the plain insert's. The machines are shared: `--runs 3` repeats everything on fresh databases and
prints the median ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, database

WORDS = ("light breathable durable waterproof grippy cushioned responsive stable warm packable recycled "
         "merino ripstop seamless reflective adjustable ventilated versatile technical everyday trail road "
         "alpine urban travel comfort support outsole midsole upper lining zip pocket hood strap").split()
BRANDS = [f"Brand {chr(65 + i)}{j}" for i in range(26) for j in range(4)]
COLORS = "black white red blue green grey navy orange yellow purple olive sand".split()
MATERIALS = "nylon polyester merino cotton leather gore-tex mesh down fleece softshell".split()
TERRAINS = "road trail mixed track snow city".split()
CATEGORIES = ["Outdoor>Shoes>Running", "Outdoor>Shoes>Hiking", "Outdoor>Jackets", "Outdoor>Tents",
              "Outdoor>Backpacks", "Outdoor>Sleeping bags", "Outdoor>Accessories", "Sale"]
HEADER = ["sku", "title", "description", "price", "categories", "stock", "rating", "brand", "color",
          "sizes", "material", "weight_g", "gender", "terrain", "season"]


def product(number: int, revision: int) -> list[str]:
    """One CSV record; `revision` > 0 changes its price and stock (and nothing else)."""
    base = random.Random(number)  # the same product in every revision
    price = round(base.uniform(5, 400), 2) + revision * 1.0
    stock = (base.randint(0, 40) + revision) % 41
    return [
        f"SKU-{number:07d}",
        f"{base.choice(BRANDS)} {base.choice(WORDS).title()} {base.choice(WORDS).title()} {number}",
        " ".join(base.choice(WORDS) for _ in range(base.randint(25, 60))).capitalize() + ".",
        f"{price:.2f}",
        "|".join(base.sample(CATEGORIES, base.randint(1, 2))),
        str(stock),
        f"{base.uniform(2.5, 5):.1f}",
        base.choice(BRANDS),
        base.choice(COLORS),
        "|".join(str(s) for s in sorted(base.sample(range(36, 48), base.randint(1, 6)))),
        base.choice(MATERIALS),
        str(base.randint(150, 2500)),
        base.choice(["men", "women", "unisex"]),
        "|".join(base.sample(TERRAINS, base.randint(1, 3))),
        base.choice(["summer", "winter", "all-year"]),
    ]


def write_csv(path: Path, rows: int, revision: int = 0) -> Path:
    """A product feed of `rows` records."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(1, rows + 1):
            writer.writerow(product(number, revision))
    return path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_import(file: str) -> dict[str, Any]:
    """Run `assistant catalog import FILE --site pk_bench` in this process and time it."""
    from assistant.cli import main

    before, cpu, start = _rss_mb(), _cpu(), time.perf_counter()
    try:
        main(["catalog", "import", file, "--site", "pk_bench"], standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return {"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "code": code, "rss_before_mb": before}


def child_baseline(file: str, url: str) -> dict[str, Any]:
    """Map the file's rows untimed, then time one executemany of their column values and the commit."""
    from sqlmodel import Session

    from assistant.catalog.importers import Row, read_rows
    from assistant.catalog.mapping import ColumnMapping
    from assistant.db import make_engine
    from assistant.sites.service import create_site
    from assistant.timeutil import utcnow

    engine = make_engine(url)
    with Session(engine) as session:
        site = create_site(session=session, name="Baseline", origins=[], key="pk_base")
        session.commit()
        site_id = site.pk
    postgres = engine.dialect.name == "postgresql"
    now: Any = utcnow() if postgres else utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    mapping = ColumnMapping(currency="EUR")
    values = []
    for row in read_rows(Path(file)):
        assert isinstance(row, Row), row
        item = mapping.apply(row.data)
        values.append((site_id, item.sku, item.title, item.description, item.url, item.image, item.currency,
                       item.stock, item.rating, item.price_minor, json.dumps(item.categories),
                       json.dumps(item.attributes), item.stock is None or item.stock > 0, 0.0, now))
    columns = ("site_id, sku, title, description, url, image, currency, stock, rating, price_minor, categories, "
               "attributes, in_stock, popularity, updated_at")
    marks = ", ".join(["%s" if postgres else "?"] * 15)
    before = _rss_mb()
    connection = engine.raw_connection()
    cpu, start = _cpu(), time.perf_counter()
    cursor = connection.cursor()
    cursor.executemany(f"INSERT INTO product ({columns}) VALUES ({marks})", values)
    connection.commit()
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    connection.close()
    engine.dispose()
    return {"seconds": seconds, "cpu": cpu, "code": 0, "rss_before_mb": before}


def run_child(step: str, file: Path, url: str) -> dict[str, Any]:
    """Run one step in a child process; its result with the child's own peak RSS."""
    command = [sys.executable, "-m", "benchmarks.catalog_import", "--child", step, "--file", str(file), "--url", url]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate()
    if process.returncode != 0:
        sys.exit(f"{step} failed ({process.returncode}):\n{err[-3000:]}")
    lines = out.strip().splitlines()
    result = json.loads(lines[-1])
    result["output"] = "\n".join(lines[:-1]).strip() or "-"
    return result


def bench(backend: str, rows: int) -> list[tuple[str, dict[str, Any]]]:
    """Every step on one backend; (name, result) in order."""
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
        feed = write_csv(Path(tmp) / "products.csv", rows)
        changed = write_csv(Path(tmp) / "changed.csv", rows, revision=1)
        print(f"{backend}: {rows:,} rows, {feed.stat().st_size / 1e6:.1f} MB of CSV, load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        steps = [("plain insert (executemany)", "baseline", feed), ("first import", "import", feed),
                 ("re-import, unchanged", "import", feed), ("re-import, all changed", "import", changed)]
        results = []
        for name, step, file in steps:
            result = run_child(step, file, url)
            results.append((name, result))
            print(f"  {name}: {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB ({result['output']})",
                  flush=True)
        return results


def report(backend: str, results: list[tuple[str, dict[str, Any]]]) -> None:
    """Print one backend's table (markdown)."""
    base, base_cpu = results[0][1]["seconds"], results[0][1]["cpu"]
    print(f"\n{backend}, load average {os.getloadavg()[0]:.1f}\n"
          "| step | seconds | ratio | CPU s | CPU ratio | peak RSS MB (at start) | output |")
    print("|---|---|---|---|---|---|---|")
    for name, result in results:
        print(f"| {name} | {result['seconds']:.2f} | {result['seconds'] / base:.2f} | {result['cpu']:.2f} | "
              f"{result['cpu'] / base_cpu:.2f} | {result['peak_mb']:.0f} ({result['rss_before_mb']:.0f}) | "
              f"{result['output']} |")


def main() -> None:
    """Parse arguments, run the steps, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=1, help="repeat on fresh databases; print median ratios")
    parser.add_argument("--child", choices=["import", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child_import(args.file) if args.child == "import" else child_baseline(args.file, args.url)
        result["peak_mb"] = _rss_mb()
        print(json.dumps(result))
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        runs = []
        for _ in range(args.runs):
            runs.append(bench(backend, args.rows))
            report(backend, runs[-1])
        if args.runs > 1:
            print(f"\n{backend}, median of {args.runs} runs: " + ", ".join(
                f"{name} {statistics.median(r[i][1]['seconds'] / r[0][1]['seconds'] for r in runs):.2f}x"
                f" (peak {max(r[i][1]['peak_mb'] for r in runs):.0f} MB)"
                for i, (name, _) in enumerate(runs[0]) if i))


if __name__ == "__main__":
    main()
