"""The `assistant` command, run as a user would: a real process on a real database file."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from assistant import migrate
from assistant.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
FIVE_MISTAKES = ROOT / "tests" / "data" / "flows" / "five-mistakes.yaml"
CATALOG_FLOW = """\
id: shoes
title: Shoes
questions:
  - id: terrain
    text: Where?
    type: single
    answers: [{id: road, text: Road, filter: {terrain: road}}, {id: trail, text: Trail, filter: {terrain: trail}}]
  - id: width
    text: Width?
    type: single
    answers:
      - {id: regular, text: Regular, filter: {width: regular}}
      - {id: wide, text: Wide, filter: {width: wide}}
"""


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file at this version's schema, migrated once for the module."""
    path = tmp_path_factory.mktemp("template") / "cli.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def migrated(tmp_path: Path, migrated_template: Path) -> None:
    """tmp_path/cli.db (what `run` points DATABASE_URL at) at this version's schema, as `db upgrade` leaves it."""
    shutil.copy(migrated_template, tmp_path / "cli.db")


def run(*args: str, tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", **(env or {})}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=120)


def test_flows_check_reports_five_planted_mistakes(tmp_path: Path) -> None:
    result = run("flows", "check", "--no-catalog", str(FIVE_MISTAKES), tmp_path=tmp_path)
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if not line.startswith("    hint:")]
    hints = [line for line in result.stdout.splitlines() if line.startswith("    hint:")]
    prefix = f"{FIVE_MISTAKES}:"
    assert lines == [
        f"{prefix}10:52: error: unknown operator 'one_of' for 'terrain'",
        f"{prefix}11:9: error: answer 'track' of 'terrain' has no effect",
        f"{prefix}15:12: error: `when` refers to unknown question 'terain'",
        f"{prefix}19:9: error: duplicate question id 'terrain'",
        f"{prefix}29:5: error: range question 'budget' needs `min:` below `max:`",
    ]
    assert len(hints) == 5 and all(len(h) > len("    hint: ") + 10 for h in hints)
    assert "did you mean 'terrain'?" in hints[2]


def test_flows_check_passes_on_a_good_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(FIVE_MISTAKES.read_text().split("  - id: distance")[0]
                    .replace("{one_of: [trail, mixed]}", "[trail, mixed]")
                    .replace("{id: track, text: Track}", "{id: track, text: Track, filter: {terrain: track}}"))
    result = run("flows", "check", "--no-catalog", str(good), tmp_path=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert "1 flow file(s) checked: no errors" in result.stderr


def test_db_upgrade_site_and_catalog_import(tmp_path: Path) -> None:
    assert run("db", "upgrade", tmp_path=tmp_path).returncode == 0
    created = run("site", "create", "--name", "Shop", "--origin", "https://shop.example", "--key", "pk_cli",
                  tmp_path=tmp_path)
    assert (created.returncode, created.stdout.strip()) == (0, "pk_cli")
    feed = tmp_path / "products.csv"
    feed.write_text("sku,title,price,terrain\nA1,Road shoe,89.90,road\nA2,,50,trail\nA3,Trail shoe,x,trail\n")
    imported = run("catalog", "import", str(feed), "--site", "pk_cli", tmp_path=tmp_path)
    assert imported.returncode == 0
    assert imported.stdout.strip() == "1 created, 0 updated, 0 unchanged, 2 rows skipped"
    assert imported.stderr.splitlines() == [
        f"{feed}: row 2: title: is required",
        f"{feed}: row 3: price: 'x' is not a price",
    ]



@pytest.mark.usefixtures("migrated")
def test_site_secret_is_shown_once_and_orders_import(tmp_path: Path) -> None:
    created = run("site", "create", "--name", "Shop", "--key", "pk_cli", tmp_path=tmp_path)
    assert created.stdout.strip() == "pk_cli"  # stdout stays the public key alone, for scripts
    first = created.stderr.rsplit(" ", 1)[-1].strip()
    assert first.startswith("sk_") and "shown only now" in created.stderr
    rotated = run("site", "secret", "--site", "pk_cli", tmp_path=tmp_path)
    second = rotated.stderr.rsplit(" ", 1)[-1].strip()
    assert rotated.returncode == 0 and second.startswith("sk_") and second != first
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as connection:
        stored_hash = connection.execute(text("SELECT secret_hash FROM site")).scalar_one()
    assert first not in stored_hash and second not in stored_hash
    csv_file, jsonl = tmp_path / "orders.csv", tmp_path / "orders.jsonl"
    csv_file.write_text('order_id,value,currency,customer_id,items\no-1,20.00,EUR,c-1,"[{""sku"": ""a""}]"\n'
                        "o-2,-5,,,\no-3,7.5,,,\n")
    jsonl.write_text('{"order_id": "o-3", "value": 7.5}\n{"order_id": "o-4", "value": 1, "ordered_at": "nope"}\n'
                     "not json\n")
    from_csv = run("orders", "import", str(csv_file), "--site", "pk_cli", tmp_path=tmp_path)
    assert from_csv.returncode == 1 and from_csv.stdout.strip() == "2 orders stored, 0 already there, 1 rows skipped"
    assert from_csv.stderr.splitlines() == [f"{csv_file}:3: value: Input should be greater than or equal to 0"]
    from_jsonl = run("orders", "import", str(jsonl), "--site", "pk_cli", tmp_path=tmp_path)
    assert from_jsonl.stdout.strip() == "0 orders stored, 1 already there, 2 rows skipped"
    assert [line.split(": ")[1] for line in from_jsonl.stderr.splitlines()] == ["ordered_at", "line"]
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT order_id, value_minor, source FROM shop_order ORDER BY order_id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("o-1", 2000, "import"), ("o-3", 750, "import")]


def test_flows_check_against_the_catalog(tmp_path: Path) -> None:
    assert run("db", "upgrade", tmp_path=tmp_path).returncode == 0
    assert run("site", "create", "--name", "Shop", "--key", "pk_cli", tmp_path=tmp_path).returncode == 0
    feed = tmp_path / "products.csv"
    feed.write_text("sku,title,price,terrain,width\nA1,Road,89.90,road,wide\nA2,Road,89,road,regular\n"
                    "A3,Trail,99,trail,regular\n")
    assert run("catalog", "import", str(feed), "--site", "pk_cli", tmp_path=tmp_path).returncode == 0
    flow = tmp_path / "shoes.yaml"
    flow.write_text(CATALOG_FLOW)
    result = run("flows", "check", str(flow), tmp_path=tmp_path)
    assert (result.returncode, result.stdout.splitlines()) == (0, [
        f"{flow}:13:9: warning: answers terrain=trail -> width=wide leave no product in stock",
        "    hint: shoppers on this path get relaxed results; widen a filter or add products"])
    flow.write_text(CATALOG_FLOW.replace("terrain: trail", "terrain: trial"))
    typo = run("flows", "check", str(flow), tmp_path=tmp_path)
    assert typo.returncode == 1
    assert typo.stdout.splitlines()[:2] == [f"{flow}:7:107: error: no product has terrain = 'trial'",
                                            "    hint: did you mean 'trail'?"]
    flow.write_text(CATALOG_FLOW.replace("terrain: trail", "terrain: trial").replace("id: shoes", "id: shoes\n"
                                                                                     "sites: [pk_other]"))
    theirs = run("flows", "check", str(flow), "--site", "pk_cli", tmp_path=tmp_path)
    assert (theirs.returncode, theirs.stdout) == (0, "")  # another shop's flow is not held to this catalog
    assert f"{flow}: for pk_other, not pk_cli: catalog checks skipped" in theirs.stderr


@pytest.mark.usefixtures("migrated")
def test_catalog_import_shows_its_progress_on_a_terminal(tmp_path: Path) -> None:
    assert run("site", "create", "--name", "Shop", "--key", "pk_cli", tmp_path=tmp_path).returncode == 0
    feed = tmp_path / "products.csv"
    feed.write_text("sku,title,price\n" + "".join(f"A{n},Shoe {n},10\n" for n in range(500)))
    environ = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "100"}
    command = [sys.executable, "-m", "assistant", "catalog", "import", str(feed), "--site", "pk_cli"]
    terminal, stderr = pty.openpty()  # the bar is a few hundred bytes: the terminal's buffer holds them
    try:
        imported = subprocess.run(command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=environ,
                                  cwd=tmp_path, timeout=120)
    finally:
        os.close(stderr)
    try:
        shown = _read_all(terminal)
    finally:
        os.close(terminal)
    assert (imported.returncode, imported.stdout.strip()) == (0, "500 created, 0 updated, 0 unchanged, 0 rows skipped")
    assert "importing products.csv" in shown and "100%" in shown


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other end is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.usefixtures("migrated")
def test_unknown_site_is_a_clear_error(tmp_path: Path) -> None:
    feed = tmp_path / "products.csv"
    feed.write_text("sku,title,price\nA1,Shoe,10\n")
    result = run("catalog", "import", str(feed), "--site", "pk_nope", tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: site: no site has the key 'pk_nope'"


@pytest.mark.parametrize("flows_dir", [ROOT / "flows"])
def test_shipped_flows_have_no_file_errors(tmp_path: Path, flows_dir: Path) -> None:
    result = run("flows", "check", "--no-catalog", tmp_path=tmp_path, env={"ASSISTANT_FLOWS": str(flows_dir)})
    assert (result.returncode, result.stdout) == (0, "")


@pytest.mark.usefixtures("migrated")
def test_admin_create_user(tmp_path: Path) -> None:
    created = run("admin", "create-user", "--email", "ada@shop.example", "--role", "merchandiser",
                  "--password", "correct horse battery", tmp_path=tmp_path)
    assert (created.returncode, created.stdout.strip()) == (0, "created merchandiser ada@shop.example")
    again = run("admin", "create-user", "--email", "ada@shop.example", "--password", "correct horse battery",
                tmp_path=tmp_path)
    assert again.returncode == 2 and "email: a user with this email already exists" in again.stderr


@pytest.mark.usefixtures("migrated")
def test_admin_accounts_get_sites(tmp_path: Path) -> None:
    for key in ("pk_a", "pk_b"):
        run("site", "create", "--name", key, "--key", key, tmp_path=tmp_path)
    made = run("admin", "create-user", "--email", "mia@shop.example", "--site", "pk_a", "--password",
               "correct horse battery", tmp_path=tmp_path)
    assert made.returncode == 0 and made.stderr == ""
    bare = run("admin", "create-user", "--email", "new@shop.example", "--password", "correct horse battery",
               tmp_path=tmp_path)
    assert bare.returncode == 0 and "new@shop.example sees no site yet" in bare.stderr
    assert " admin grant new@shop.example SITE_KEY" in bare.stderr
    run("admin", "create-user", "--email", "ops@shop.example", "--all-sites", "--password", "correct horse battery",
        tmp_path=tmp_path)
    granted = run("admin", "grant", "MIA@shop.example", "pk_b", tmp_path=tmp_path)
    assert (granted.returncode, granted.stdout) == (0, "mia@shop.example may now see pk_b\n")
    again = run("admin", "grant", "mia@shop.example", "pk_b", tmp_path=tmp_path)
    assert again.stdout == "mia@shop.example could already see pk_b\n"
    nowhere = run("admin", "grant", "mia@shop.example", "pk_nope", tmp_path=tmp_path)
    assert nowhere.returncode == 2 and "site: no site has the key 'pk_nope'" in nowhere.stderr
    unknown = run("admin", "create-user", "--email", "x@shop.example", "--site", "pk_nope", "--password",
                  "correct horse battery", tmp_path=tmp_path)
    assert unknown.returncode == 2
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT email, all_sites, key FROM admin_user LEFT JOIN user_site "
                                       "ON user_id = admin_user.id LEFT JOIN site ON site.id = site_id "
                                       "ORDER BY email, key")).all()
    engine.dispose()
    assert [(e, bool(a), k) for e, a, k in rows] == [("mia@shop.example", False, "pk_a"),
                                                     ("mia@shop.example", False, "pk_b"),
                                                     ("new@shop.example", False, None),
                                                     ("ops@shop.example", True, None)]


@pytest.mark.usefixtures("migrated")
def test_admin_set_password_and_deactivate_end_sessions(tmp_path: Path) -> None:
    run("admin", "create-user", "--email", "ada@shop.example", "--password", "correct horse battery", tmp_path=tmp_path)
    changed = run("admin", "set-password", "--email", "Ada@shop.example", "--password", "another long one",
                  tmp_path=tmp_path)
    assert changed.returncode == 0 and "sessions are ended" in changed.stdout
    gone = run("admin", "deactivate", "--email", "ada@shop.example", tmp_path=tmp_path)
    assert gone.returncode == 0 and "deactivated ada@shop.example" in gone.stdout
    unknown = run("admin", "deactivate", "--email", "nobody@shop.example", tmp_path=tmp_path)
    assert unknown.returncode == 2 and "email: no user" in unknown.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as connection:
        row = connection.execute(text("SELECT active, session_generation FROM admin_user")).one()
    engine.dispose()
    assert (bool(row[0]), row[1]) == (False, 2)


def test_commands_other_than_db_upgrade_refuse_a_schema_behind(tmp_path: Path) -> None:
    """Only `db upgrade` and `demo` migrate; the rest say where the database is and what to run."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    missing = run("site", "list", tmp_path=tmp_path)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr.startswith(f"error: there is no database at {tmp_path / 'cli.db'}: run `")
    assert missing.stderr.rstrip().endswith(" -m assistant db upgrade` to create it")
    assert not (tmp_path / "cli.db").exists()
    (head,) = migrate.revision_files()[1]
    migrate.upgrade(url, "0009")
    for command in (["site", "list"], ["site", "create", "--name", "Shop"], ["flows", "check"], ["train"],
                    ["admin", "deactivate", "--email", "a@b.example"], ["serve", "--port", "1"],
                    ["catalog", "import", str(FIVE_MISTAKES), "--site", "pk"],
                    ["orders", "import", str(FIVE_MISTAKES), "--site", "pk"]):
        behind = run(*command, tmp_path=tmp_path)
        assert (behind.returncode, behind.stdout) == (2, ""), command
        assert behind.stderr.splitlines() == [
            f"error: the database is at revision 0009, this version needs {head}: "
            f"run `{sys.executable} -m assistant db upgrade`"], command
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0009"
    assert run("db", "upgrade", tmp_path=tmp_path).returncode == 0
    assert run("site", "list", tmp_path=tmp_path).returncode == 0
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    ahead = run("site", "list", tmp_path=tmp_path)
    assert ahead.returncode == 2 and "at revision 9999, which this version does not know" in ahead.stderr


def test_the_head_revision_read_from_the_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert migrate.revision_files() == ({s.revision for s in scripts.walk_revisions()}, set(scripts.get_heads()))
