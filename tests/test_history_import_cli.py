"""`assistant history import`, run as a user would: a real process on a real database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RETAIL = ROOT / "tests" / "data" / "history" / "online_retail_small.csv"


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=120)


def test_history_import_stores_once_and_says_what_it_skipped(tmp_path: Path) -> None:
    assert run("db", "upgrade", tmp_path=tmp_path).returncode == 0
    assert run("site", "create", "--name", "Shop", "--key", "pk_cli", "--currency", "GBP",
               tmp_path=tmp_path).returncode == 0
    command = ("history", "import", str(RETAIL), "--site", "pk_cli", "--layout", "online-retail")
    dry = run(*command, "--dry-run", tmp_path=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("dry run: nothing written; 14 rows, 10 orders: 4 would be stored")
    first = run(*command, tmp_path=tmp_path)
    lines = first.stdout.splitlines()
    assert first.returncode == 0 and lines[0] == ("14 rows, 10 orders: 4 stored (2010-01-04 .. 2010-12-01), "
                                                  "0 already there, 6 skipped")
    assert "customers: 2 new, 0 updated" in lines
    assert "skipped 1 row, 1 order: cancellation (line 6)" in lines
    again = run(*command, tmp_path=tmp_path)
    assert again.returncode == 0 and again.stdout.splitlines()[0].endswith("0 stored, 4 already there, 6 skipped")
    assert "nothing new: every order of the file that can be imported was imported before" in again.stdout


def test_a_mapping_mistake_stops_the_import_at_its_line(tmp_path: Path) -> None:
    assert run("db", "upgrade", tmp_path=tmp_path).returncode == 0
    assert run("site", "create", "--name", "Shop", "--key", "pk_cli", tmp_path=tmp_path).returncode == 0
    mapping = tmp_path / "orders.yaml"
    mapping.write_text("order_id: Invoice\nordered_at: InvoiceDate\nsku: Stock Code\nprice: Price\n")
    result = run("history", "import", str(RETAIL), "--site", "pk_cli", "--mapping", str(mapping), tmp_path=tmp_path)
    assert result.returncode == 2 and result.stdout == "" and "did you mean 'StockCode'?" in result.stderr
    assert result.stderr.startswith(f"{mapping}:3:6: error: sku: column 'Stock Code' is not in the file's header")
    both = run("history", "import", str(RETAIL), "--site", "pk_cli", "--mapping", str(mapping), "--layout", "shopify",
               tmp_path=tmp_path)
    assert both.returncode == 2 and "give --mapping FILE or --layout" in both.stderr
