"""`assistant customer delete | export`: asks before deleting, prints the counts, writes the JSON."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session

from assistant.cli import main
from assistant.errors import Invalid, NotFound
from assistant.privacy.export import export_customer
from assistant.sites.models import Site
from tests.privacy.people import shopper, table_counts
from tests.test_cli import migrated, migrated_template, run  # noqa: F401  (fixtures)


@pytest.fixture
def two(session: Session, site: Site) -> Site:
    shopper(session, site, "ada", ("ada-phone-01", "ada-laptop-1"), "a")
    shopper(session, site, "bob", ("bob-phone-01",), "b")
    return site


def cli(database_url: str, *args: str, answer: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=answer, env={"DATABASE_URL": database_url})


def test_delete_asks_first_and_prints_the_counts(database_url: str, session: Session, two: Site) -> None:
    before = table_counts(session)
    refused = cli(database_url, "customer", "delete", "ada", "--site", two.key, answer="n\n")
    assert refused.exit_code == 1 and "Delete every row held about customer 'ada' (2 visitors)" in refused.output
    assert table_counts(session) == before
    done = cli(database_url, "customer", "delete", "ada", "--site", two.key, answer="y\n")
    assert done.exit_code == 0, done.output
    lines = done.output.split("cannot be undone [y/N]: y\n")[1].splitlines()
    assert lines[0] == "deleted the data of customer 'ada' on site pk_test:"
    assert [line.split() for line in lines[1:]] == [["events", "9"], ["visits", "2"], ["carts", "2"],
                                                    ["quiz_sessions", "2"], ["orders", "2"],
                                                    ["survey_responses", "0"], ["basket_messages", "0"],
                                                    ["baskets", "0"], ["figures", "0"],
                                                    ["customer", "1"], ["visitors", "2"], ["total", "20"]]
    session.expire_all()
    assert sum(before.values()) - sum(table_counts(session).values()) == 20
    assert export_customer(session=session, site=two, customer_id="bob")["events"]


def test_delete_with_yes_does_not_ask(database_url: str, session: Session, two: Site) -> None:
    done = cli(database_url, "customer", "delete", "bob", "--site", two.key, "--yes")
    assert done.exit_code == 0 and "[y/N]" not in done.output and "total          12" in done.output
    with pytest.raises(NotFound):
        export_customer(session=session, site=two, customer_id="bob")


def test_export_to_stdout_and_to_a_private_file(database_url: str, two: Site, tmp_path: Path) -> None:
    shown = cli(database_url, "customer", "export", "ada", "--site", two.key)
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["subject"]["customer_id"] == "ada" and len(data["events"]) == 9 and len(data["orders"]) == 2
    target = tmp_path / "ada.json"
    written = cli(database_url, "customer", "export", "ada", "--site", two.key, "-o", str(target))
    assert written.exit_code == 0 and json.loads(target.read_text())["events"] == data["events"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    nowhere = cli(database_url, "customer", "export", "ada", "--site", two.key, "-o", str(tmp_path / "no" / "x.json"))
    assert nowhere.exit_code == 1 and "cannot write" in nowhere.output


def test_unknown_and_hostile_ids_are_domain_errors(database_url: str, two: Site) -> None:
    for args in (("delete", "--yes"), ("export",)):
        unknown = cli(database_url, "customer", args[0], "nobody", "--site", two.key, *args[1:])
        assert isinstance(unknown.exception, NotFound)
        hostile = cli(database_url, "customer", args[0], "x" * 500, "--site", two.key, *args[1:])
        assert isinstance(hostile.exception, Invalid) and hostile.exception.field == "customer"


@pytest.mark.usefixtures("migrated")
def test_the_command_reports_an_unknown_customer_in_one_line(tmp_path: Path) -> None:
    assert run("site", "create", "--name", "Shop", "--key", "pk_cli", tmp_path=tmp_path).returncode == 0
    result = run("customer", "delete", "nobody", "--site", "pk_cli", "--yes", tmp_path=tmp_path)
    assert (result.returncode, result.stderr) == (2, "error: customer: nothing is held for 'nobody' on site pk_cli\n")
    result = run("customer", "export", "a\x01" * 100, "--site", "pk_cli", tmp_path=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: customer: must be at most 128 characters")
