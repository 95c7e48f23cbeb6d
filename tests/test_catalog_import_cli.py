"""`assistant catalog import` with a mapping file, as a merchandiser runs it: --dry-run, --encoding, mistakes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from assistant.db import make_engine

DATA = Path(__file__).resolve().parent / "data"
FEED, MAPPING = DATA / "laptops-latin1.csv", DATA / "laptops-mapping.yaml"


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=120)


def products(tmp_path: Path) -> int:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM product")).scalar_one()
    engine.dispose()
    return int(count)


def shop(tmp_path: Path) -> None:
    assert run("db", "upgrade", tmp_path=tmp_path).returncode == 0
    assert run("site", "create", "--name", "Shop", "--key", "pk_cli", tmp_path=tmp_path).returncode == 0


def test_dry_run_shows_products_and_coverage_and_writes_nothing_then_the_import_does(tmp_path: Path) -> None:
    shop(tmp_path)
    dry = run("catalog", "import", str(FEED), "--site", "pk_cli", "--mapping", str(MAPPING), "--dry-run",
              tmp_path=tmp_path)
    assert (dry.returncode, dry.stderr) == (0, "")
    lines = dry.stdout.splitlines()
    assert lines[:2] == ["dry run: nothing written; 7 of 7 rows would be imported, 0 skipped",
                         "first 5 products as they would be stored:"]
    assert lines[2].startswith('  {"sku": "1", "title": "Acer Aspire É 3", "currency": "EUR", "stock": 5, '
                               '"price_minor": 64900, "categories": ["Notebook"], "attributes": {"brand": "Acer", '
                               '"screen_inches": 15.6, "cpu_ghz": 1.6, "ram_gb": 8, "storage_gb": 1128,')
    assert lines[7] == "attribute coverage (share of imported rows with it, distinct values):"
    assert "  os             100.0%  4 distinct" in lines[8:]
    assert products(tmp_path) == 0
    imported = run("catalog", "import", str(FEED), "--site", "pk_cli", "--mapping", str(MAPPING), tmp_path=tmp_path)
    assert (imported.returncode, imported.stdout.strip()) == (0, "7 created, 0 updated, 0 unchanged, 0 rows skipped")
    assert products(tmp_path) == 7


def test_a_wrong_encoding_says_where_and_what_to_pass(tmp_path: Path) -> None:
    shop(tmp_path)
    result = run("catalog", "import", str(FEED), "--site", "pk_cli", "--mapping", str(MAPPING), "--encoding",
                 "utf-8", tmp_path=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (f"{FEED}: row 0: not utf-8 text: byte 0xc9 at line 2, byte 15 of the line cannot be "
                             "read; if the file is Latin-1 or Windows-1252, import it with --encoding latin-1 or "
                             "cp1252 (or `encoding:` in the mapping file)\n")


def test_mapping_mistakes_and_missing_columns_stop_before_any_row(tmp_path: Path) -> None:
    shop(tmp_path)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("encoding: latin-1\nsku: laptop_ID\ntitle: {template: \"{Company} {Product}\"}\n"
                       "price: Price_euros\nattributes:\n  ram: {column: RAM, unit: GB}\n  os: {colunm: OpSys}\n")
    result = run("catalog", "import", str(FEED), "--site", "pk_cli", "--mapping", str(mapping), tmp_path=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [f"{mapping}:7:8: error: attributes.os.colunm: unknown key 'colunm'",
                                          "    hint: did you mean `column`?"]
    mapping.write_text(mapping.read_text().replace("colunm", "column"))
    result = run("catalog", "import", str(FEED), "--site", "pk_cli", "--mapping", str(mapping), tmp_path=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[:2] == [
        f"{mapping}:6:17: error: attributes.ram.column: column 'RAM' is not in the file's header",
        "    hint: did you mean 'Ram'? the file's columns: laptop_ID, Company, Product, TypeName, Inches, Cpu, Ram, "
        "Memory, OpSys, Weight, Price_euros"]
    assert products(tmp_path) == 0
