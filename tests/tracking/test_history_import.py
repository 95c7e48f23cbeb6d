"""History import: an orders export, one row per line, becomes verified orders with their own dates, once."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from assistant.cli.history import checked_history_mapping, read_history_mapping, summary
from assistant.errors import Invalid
from assistant.sites.models import Site
from assistant.tracking.history import HistoryReport, import_history
from assistant.tracking.history_mapping import HistoryMapping, layout_path
from assistant.tracking.identity import identify
from assistant.tracking.models import Customer, ShopOrder, Visitor
from assistant.tracking.orders import parse_order
from assistant.tracking.purchases import sends_orders

DATA = Path(__file__).resolve().parents[1] / "data" / "history"
RETAIL = DATA / "online_retail_small.csv"
SHOPIFY = DATA / "shopify_orders_small.csv"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def layout(name: str) -> HistoryMapping:
    mapping, _, problems = read_history_mapping(layout_path(name))
    assert mapping is not None, problems
    return mapping


def run(session: Session, site: Site, path: Path, name: str = "online-retail", **options: Any) -> HistoryReport:
    return import_history(session=session, site=site, path=path, mapping=layout(name), now=NOW, **options)


def orders(session: Session) -> dict[str, ShopOrder]:
    session.expire_all()
    return {o.order_id: o for o in session.exec(select(ShopOrder))}


def skipped(report: HistoryReport) -> dict[str, tuple[int, int, list[int]]]:
    return {reason: (s.rows, s.orders, s.lines) for reason, s in report.skipped.items()}


def test_online_retail_orders_keep_their_dates_lines_and_customers(session: Session, site: Site) -> None:
    report = run(session, site, RETAIL)
    assert (report.rows, report.orders, report.stored, report.known, report.anonymous) == (14, 10, 4, 0, 1)
    stored = orders(session)
    assert sorted(stored) == ["500001", "500002", "500004", "500009"]
    first = stored["500001"]
    # rows 2, 3 and 5: an order's rows need not be next to each other
    assert [line["sku"] for line in first.items] == ["85048", "79323P", "21232"]
    assert (first.value_minor, first.currency, first.customer_id, first.source) == (12640, "GBP", "13085", "history")
    assert first.items[0] == {"sku": "85048", "quantity": 12, "price": 6.95}
    # UK local time: GMT in January, BST (UTC+1) in July; no clamp to the last seven days
    assert _utc(first.ordered_at) == datetime(2010, 1, 4, 9, 15, tzinfo=UTC)
    assert _utc(stored["500002"].ordered_at) == datetime(2010, 7, 5, 13, 30, tzinfo=UTC)
    assert (stored["500004"].customer_id, stored["500004"].value_minor) == (None, 630)
    assert [line["sku"] for line in stored["500009"].items] == ["85048"]  # its return line is left out
    assert _utc(first.received_at) == NOW


def test_what_is_left_out_is_counted_by_reason_with_its_lines(session: Session, site: Site) -> None:
    report = run(session, site, RETAIL)
    assert skipped(report) == {
        "line with a quantity below 1 (a return or a stock adjustment)": (2, 0, [8, 14]),
        "no line with a quantity of 1 or more": (0, 1, [8]),
        "cancellation": (1, 1, [6]),
        "ordered_at: '2010-13-45 10:00:00' is not a date": (1, 1, [9]),
        "quantity: 'two' is not a whole number": (2, 1, [10]),
        "price: 'abc' is not a number": (1, 1, [12]),
        "bad-debt adjustment": (1, 1, [15]),
    }
    assert report.rows == sum(s.rows for s in report.skipped.values()) + sum(
        len(o.items) for o in orders(session).values())
    text = "\n".join(summary(report, RETAIL))
    assert "14 rows, 10 orders: 4 stored (2010-01-04 .. 2010-12-01), 0 already there, 6 skipped" in text
    assert "skipped 2 rows, 1 order: quantity: 'two' is not a whole number (line 10)" in text
    assert "1 of the orders stored have no customer id: kept for no customer" in text
    assert ("4 of the orders stored are in GBP, not the site's EUR: customer figures count the site's currency "
            "alone (site create --currency GBP)") in text


def test_customers_get_their_first_and_last_order_dates(session: Session, site: Site) -> None:
    report = run(session, site, RETAIL)
    assert (report.customers_created, report.customers_updated) == (2, 0)
    session.expire_all()
    customers = {c.customer_id: c for c in session.exec(select(Customer))}
    assert sorted(customers) == ["13085", "13086"]  # 13087's orders were all skipped
    assert (_utc(customers["13085"].first_seen), _utc(customers["13085"].last_seen)) == (
        datetime(2010, 1, 4, 9, 15, tzinfo=UTC), datetime(2010, 12, 1, 8, 0, tzinfo=UTC))


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_customer_in_several_batches_is_created_once(session: Session, site: Site, monkeypatch: pytest.MonkeyPatch,
                                                       dry_run: bool) -> None:
    monkeypatch.setattr("assistant.tracking.history.BATCH", 2)  # 500001 and 500009 of customer 13085 apart
    report = run(session, site, RETAIL, dry_run=dry_run)
    assert (report.stored, report.customers_created, report.customers_updated) == (4, 2, 0)
    if not dry_run:
        session.expire_all()
        customer = session.get(Customer, (site.id, "13085"))
        assert customer is not None and (_utc(customer.first_seen), _utc(customer.last_seen)) == (
            datetime(2010, 1, 4, 9, 15, tzinfo=UTC), datetime(2010, 12, 1, 8, 0, tzinfo=UTC))


def test_a_run_after_a_crash_carries_on_with_orders_and_customers(session: Session, site: Site,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.tracking import history

    real = history.order_fields

    def crash(**fields: Any) -> dict[str, Any]:
        if fields["order"].order_id == "500004":
            raise RuntimeError("the machine went down")
        return real(**fields)

    monkeypatch.setattr(history, "BATCH", 2)
    monkeypatch.setattr(history, "order_fields", crash)
    with pytest.raises(RuntimeError):
        run(session, site, RETAIL)
    session.rollback()
    assert sorted(orders(session)) == ["500001", "500002"]  # the first batch was committed, with its customers
    monkeypatch.setattr(history, "order_fields", real)
    report = run(session, site, RETAIL)
    assert (report.stored, report.known, report.customers_created, report.customers_updated) == (2, 2, 0, 1)
    session.expire_all()
    assert sorted(c.customer_id for c in session.exec(select(Customer))) == ["13085", "13086"]


def test_a_second_run_imports_nothing_new_and_says_so(session: Session, site: Site) -> None:
    run(session, site, RETAIL)
    before = {k: (o.value_minor, o.items) for k, o in orders(session).items()}
    again = run(session, site, RETAIL)
    assert (again.stored, again.known, again.customers_created, again.customers_updated) == (0, 4, 0, 0)
    assert {k: (o.value_minor, o.items) for k, o in orders(session).items()} == before
    assert "nothing new: every order of the file that can be imported was imported before" in summary(again, RETAIL)


def test_a_dry_run_writes_nothing(session: Session, site: Site) -> None:
    report = run(session, site, RETAIL, dry_run=True)
    assert (report.stored, report.customers_created) == (4, 2)
    assert orders(session) == {} and session.exec(select(Customer)).all() == []
    assert summary(report, RETAIL)[0].startswith("dry run: nothing written; 14 rows, 10 orders: 4 would be stored")


def test_shopify_orders_take_the_order_fields_of_their_first_row(session: Session, site: Site) -> None:
    report = run(session, site, SHOPIFY, "shopify")
    assert skipped(report) == {"cancelled": (1, 1, [5])}
    stored = orders(session)
    assert sorted(stored) == ["#1001", "#1002", "#1004"]
    first = stored["#1001"]
    assert (first.value_minor, first.currency, first.customer_id) == (5500, "USD", "ada@example.com")  # the Total
    assert first.items == [{"sku": "SOCK-1", "quantity": 2, "price": 10.0}, {"sku": "SHOE-1", "quantity": 1,
                                                                           "price": 30.0}]
    assert _utc(first.ordered_at) == datetime(2023, 1, 5, 15, 20, 30, tzinfo=UTC)
    ada = session.get(Customer, (site.id, "ada@example.com"))
    assert ada is not None and ada.traits == {"email": "ada@example.com", "email_consent": True}  # the latest order's
    assert _utc(ada.last_seen) == datetime(2023, 6, 1, 16, 0, tzinfo=UTC)
    bob = session.get(Customer, (site.id, "bob@example.com"))
    assert bob is not None and bob.traits == {"email": "bob@example.com", "email_consent": False}


def test_an_existing_customer_keeps_the_shops_own_traits_and_widens_its_dates(session: Session, site: Site) -> None:
    visitor = Visitor(site_id=site.pk, anon_id="visitor-0001")
    session.add(visitor)
    session.flush()
    when = datetime(2023, 2, 15, tzinfo=UTC)
    identify(session=session, site=site, visitor_id=visitor.id or 0, customer_id="ada@example.com",
             traits={"email": "Ada@Example.com", "name": "Ada", "email_consent": False}, now=when)
    session.commit()
    report = run(session, site, SHOPIFY, "shopify")
    assert (report.customers_created, report.customers_updated) == (1, 1)
    session.expire_all()
    ada = session.get(Customer, (site.id, "ada@example.com"))
    # the export's "yes" on her latest order does not overrule the consent the shop sent itself
    assert ada is not None and ada.traits == {"email": "Ada@Example.com", "name": "Ada", "email_consent": False}
    assert (_utc(ada.first_seen), _utc(ada.last_seen)) == (datetime(2023, 1, 5, 15, 20, 30, tzinfo=UTC),
                                                           datetime(2023, 6, 1, 16, 0, tzinfo=UTC))


def test_gzipped_and_json_lines_exports_read_alike(session: Session, site: Site, tmp_path: Path) -> None:
    packed = tmp_path / "orders.csv.gz"
    with RETAIL.open("rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    assert run(session, site, packed).stored == 4
    lines = tmp_path / "orders.jsonl.gz"
    rows = [{"id": "j-1", "at": "2024-05-01T10:00:00+02:00", "sku": "a", "n": 2, "unit": 1.5, "who": "c-9"},
            {"id": "j-1", "at": "2024-05-01T10:00:00+02:00", "sku": "b", "n": 1, "unit": 4, "who": "c-9"}]
    with gzip.open(lines, "wt") as handle:
        handle.write("\n".join(json.dumps(row) for row in rows) + "\n\nnot json\n")
    mapping = HistoryMapping.from_dict({"order_id": "id", "ordered_at": "at", "sku": "sku", "quantity": "n",
                                        "price": "unit", "customer_id": "who"})
    report = import_history(session=session, site=site, path=lines, mapping=mapping, now=NOW)
    assert (report.stored, list(report.skipped)) == (1, ["is not JSON: Expecting value: line 1 column 1 (char 0)"])
    order = orders(session)["j-1"]
    assert (order.value_minor, order.currency, _utc(order.ordered_at)) == (700, "EUR",
                                                                           datetime(2024, 5, 1, 8, tzinfo=UTC))


def test_an_order_of_more_lines_than_the_api_takes_is_imported(session: Session, site: Site, tmp_path: Path) -> None:
    export = tmp_path / "big.csv"
    export.write_text("order,date,sku,qty,price\n" + "".join(
        f"big-1,2015-03-01 10:00,sku-{i},20000,0.5\n" for i in range(250)))
    mapping = HistoryMapping.from_dict({"order_id": "order", "ordered_at": "date", "sku": "sku", "quantity": "qty",
                                        "price": "price"})
    report = import_history(session=session, site=site, path=export, mapping=mapping, now=NOW)
    assert (report.stored, report.skipped) == (1, {})
    assert len(orders(session)["big-1"].items) == 250
    with pytest.raises(Invalid) as refused:  # the API's limits are unchanged
        parse_order({"order_id": "o", "value": 1, "items": [{"sku": f"s{i}"} for i in range(201)]})
    assert refused.value.field == "items"
    with pytest.raises(Invalid):
        parse_order({"order_id": "o", "value": 1, "items": [{"sku": "s", "quantity": 20000}]})


def test_an_imported_past_does_not_stop_browser_claims_counting(session: Session, site: Site) -> None:
    run(session, site, RETAIL)
    assert not sends_orders(session=session, site=site)
    session.add(ShopOrder(site_id=site.pk, order_id="live-1", value_minor=100, currency="EUR", source="api"))
    session.commit()
    assert sends_orders(session=session, site=site)


def test_an_order_already_sent_by_the_shop_is_left_as_it_is(session: Session, site: Site) -> None:
    session.add(ShopOrder(site_id=site.pk, order_id="500001", value_minor=1, currency="GBP", source="api"))
    session.commit()
    report = run(session, site, RETAIL)
    assert (report.stored, report.known) == (3, 1)
    kept = session.exec(select(ShopOrder).where(col(ShopOrder.order_id) == "500001")).one()
    assert (kept.value_minor, kept.source) == (1, "api")


def test_mapping_mistakes_are_reported_at_their_lines(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("order_id: Invoice\nordered_at: InvoiceDate\nsku: StockCode\nprise: Price\n"
                       "timezone: Mars/Olympus\ndate_format: nope\n")
    loaded, _, problems = read_history_mapping(mapping)
    assert loaded is None
    assert [p.split(": error: ")[0] for p in problems] == [f"{mapping}:1:1", f"{mapping}:4:1", f"{mapping}:5:11",
                                                            f"{mapping}:6:14"]
    assert "unknown key 'prise'" in problems[1] and "did you mean `price`?" in problems[1]
    assert "name `price` (each line's unit price) or `total`" in problems[0]
    mapping.write_text("order_id: Invoice\nordered_at: Date\nsku: StockCode\nprice: Price\n")
    loaded, _, problems = checked_history_mapping(mapping, None, RETAIL, None)
    assert loaded is None and len(problems) == 1
    assert problems[0].startswith(f"{mapping}:2:13: error: ordered_at: column 'Date' is not in the file's header")
    assert checked_history_mapping(None, None, RETAIL, None)[2] == [
        "give --mapping FILE or --layout (online-retail, shopify), one of them"]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_an_orders_rows_are_joined_within_the_window_and_refused_past_it(session: Session, site: Site,
                                                                          tmp_path: Path) -> None:
    export = tmp_path / "apart.csv"
    fill = [f"f-{i},2015-03-01 10:00,s,1,1\n" for i in range(100_000)]
    rows = ["a,2015-03-01 10:00,s1,1,1\n", *fill[:40_000], "a,2015-03-01 10:00,s2,1,1\n", *fill[40_000:],
            "a,2015-03-01 10:00,s3,1,1\n"]
    export.write_text("order,date,sku,qty,price\n" + "".join(rows))
    mapping = HistoryMapping.from_dict({"order_id": "order", "ordered_at": "date", "sku": "sku", "quantity": "qty",
                                        "price": "price"})
    report = import_history(session=session, site=site, path=export, mapping=mapping, now=NOW, dry_run=True)
    assert (report.orders, report.stored) == (100_001, 100_001)
    assert skipped(report) == {"rows of an order more than 50,000 lines after its other rows (sort the file by order "
                               "id)": (1, 0, [100_004])}


def test_an_export_in_another_encoding_is_named_and_then_read(session: Session, site: Site, tmp_path: Path) -> None:
    export = tmp_path / "latin.csv"
    export.write_bytes("order,date,sku,price\nl-1,2019-05-01 10:00,CAFÉ-1,3.5\nl-1,2019-05-01 10:00,THÉ-2,1\n"
                       .encode("latin-1"))
    mapping = HistoryMapping.from_dict({"order_id": "order", "ordered_at": "date", "sku": "sku", "price": "price"})
    refused = import_history(session=session, site=site, path=export, mapping=mapping, now=NOW)
    assert refused.stored == 0 and refused.problem is not None
    assert "not utf-8 text" in refused.problem.reason and "--encoding latin-1" in refused.problem.reason
    read = import_history(session=session, site=site, path=export, mapping=mapping, encoding="latin-1", now=NOW)
    assert read.stored == 1 and [line["sku"] for line in orders(session)["l-1"].items] == ["CAFÉ-1", "THÉ-2"]


def test_customer_figures_read_the_imported_past_and_the_browsers_claims_after_it(session: Session,
                                                                                   site: Site) -> None:
    from assistant.insight.transactions import load_transactions
    from tests.promotions.helpers import track

    site.currency = "GBP"
    session.add(site)
    session.commit()
    run(session, site, RETAIL)
    when = datetime(2026, 6, 1, tzinfo=UTC)
    track(session, site, "shopper-01", when, {"type": "purchase", "order_id": "web-1", "value": 12.0})
    track(session, site, "shopper-02", when, {"type": "purchase", "order_id": "500001", "value": 1.0})
    found = load_transactions(session=session, site=site)
    assert not found.verified
    assert sorted(found.order_id.tolist()) == ["500001", "500002", "500009", "web-1"]  # 500001 once, as imported
    assert found.skipped == {"no customer": 1}  # 500004: no customer id, no visitor


def test_an_export_cut_short_keeps_the_orders_before_and_stores_no_open_one(session: Session, site: Site,
                                                                            tmp_path: Path) -> None:
    rows = "".join(f"o-{i},2015-03-01 10:{i % 60:02d},sku-{i * 7919 % 100_003},{i % 9 + 1},{i % 97}.5\n"
                   for i in range(200_000))
    packed = gzip.compress(("order,date,sku,qty,price\n" + rows).encode())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[:len(packed) // 2])  # a download that stopped part way
    mapping = HistoryMapping.from_dict({"order_id": "order", "ordered_at": "date", "sku": "sku", "quantity": "qty",
                                        "price": "price"})
    report = import_history(session=session, site=site, path=cut, mapping=mapping, now=NOW, dry_run=True)
    assert report.problem is not None and "cannot be read" in report.problem.reason
    left = report.skipped["order still open where the file stops being readable"]
    assert report.stored > 0 and report.stored + left.orders == report.orders == report.rows
    assert left.orders >= 50_000 and left.lines[0] == report.stored + 2  # every order after the last closed one
