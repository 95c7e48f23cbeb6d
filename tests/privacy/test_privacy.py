"""Privacy requests: an export holds each kind of a person's data; a deletion removes exactly theirs."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from sqlmodel import select as select_model

from assistant.errors import Invalid, NotFound
from assistant.insight.models import CustomerFigure
from assistant.privacy import tables
from assistant.privacy.delete import delete_customer
from assistant.privacy.export import export_customer, export_json
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.models import Visitor
from tests.factories import make_site
from tests.privacy.people import event as make_event
from tests.privacy.people import record, shopper, stranger, table_counts

ADA = ("ada-phone-01", "ada-laptop-1")


@pytest.fixture
def people(session: Session, site: Site) -> Site:
    shopper(session, site, "ada", ADA, "a")
    shopper(session, site, "bob", ("bob-phone-01",), "b")
    stranger(session, site, "anon-visitor-9")
    return site


def test_export_holds_every_kind_of_data(session: Session, people: Site) -> None:
    data = export_customer(session=session, site=people, customer_id="ada")
    assert data["subject"]["customer_id"] == "ada" and len(data["subject"]["visitor_ids"]) == 2
    assert [c["traits"] for c in data["customer"]] == [{"email": "ada@mail.example"}]
    assert sorted(v["anon_id"] for v in data["visitors"]) == sorted(ADA)
    assert len(data["visits"]) == 2 and len(data["carts"]) == 2 and len(data["quiz_sessions"]) == 2
    assert sorted(e["type"] for e in data["events"]) == sorted(["page_view", "product_view", "add_to_cart",
                                                               "identify"] * 2 + ["purchase"])
    assert sorted(o["order_id"] for o in data["orders"]) == ["o-ada", "phone-ada"]
    assert {e["sku"] for e in data["events"] if e["sku"]} == {"a"}, "nothing of bob's"
    assert json.loads(json.dumps(data)) == data


def test_streamed_export_is_the_same_json(session: Session, people: Site) -> None:
    whole = export_customer(session=session, site=people, customer_id="ada")
    streamed = json.loads("".join(export_json(session=session, site=people, customer_id="ada")))
    whole.pop("exported_at"), streamed.pop("exported_at")
    assert streamed == whole


def test_delete_removes_exactly_that_customers_rows(session: Session, people: Site) -> None:
    before = table_counts(session)
    bob_before = export_customer(session=session, site=people, customer_id="bob")
    report = delete_customer(session=session, site=people, customer_id="ada")
    assert report.counts == {"events": 9, "visits": 2, "carts": 2, "quiz_sessions": 2, "orders": 2,
                             "survey_responses": 0, "basket_messages": 0, "baskets": 0, "figures": 0,
                             "customer": 1, "visitors": 2}
    after = table_counts(session)
    assert {name: before[name] - after[name] for name in before} == {
        "event": 9, "visit_session": 2, "visitor": 2, "cart": 2, "customer": 1, "shop_order": 2, "quiz_session": 2}
    with pytest.raises(NotFound):
        export_customer(session=session, site=people, customer_id="ada")
    bob_after = export_customer(session=session, site=people, customer_id="bob")
    bob_before.pop("exported_at"), bob_after.pop("exported_at")
    assert bob_after == bob_before
    assert export_customer(session=session, site=people, customer_id="anon-visitor-9")["events"]


def test_one_visitor_of_a_merged_customer_stands_for_the_whole_customer(session: Session, people: Site) -> None:
    laptop = session.exec(select_model(Visitor).where(Visitor.anon_id == ADA[1])).one()
    by_anon = export_customer(session=session, site=people, customer_id=ADA[1])
    by_visitor = export_customer(session=session, site=people, customer_id=f"v:{laptop.id}")
    assert by_anon["subject"]["customer_id"] == by_visitor["subject"]["customer_id"] == "ada"
    assert len(by_anon["events"]) == len(by_visitor["events"]) == 9
    report = delete_customer(session=session, site=people, customer_id=f"v:{laptop.id}")
    assert report.counts["visitors"] == 2 and report.counts["customer"] == 1


def test_an_anonymous_visitor_by_anon_id_and_by_visitor_id(session: Session, people: Site) -> None:
    data = export_customer(session=session, site=people, customer_id="anon-visitor-9")
    assert data["customer"] == [] and data["subject"]["customer_id"] is None
    assert [e["sku"] for e in data["events"]] == ["z", "z"] and len(data["quiz_sessions"]) == 1
    assert data["carts"][0]["items"][0]["sku"] == "z"
    before = table_counts(session)
    report = delete_customer(session=session, site=people, customer_id=f"v:{data['visitors'][0]['id']}")
    assert report.counts == {"events": 2, "visits": 1, "carts": 1, "quiz_sessions": 1, "orders": 0,
                             "survey_responses": 0, "basket_messages": 0, "baskets": 0, "figures": 0,
                             "customer": 0, "visitors": 1}
    assert sum(before.values()) - sum(table_counts(session).values()) == report.total


def test_quiz_answers_of_a_browser_that_sent_no_event(session: Session, site: Site) -> None:
    from assistant.flows.quiz_store import insert_quiz

    insert_quiz(session, site_id=site.pk, flow_id="shoes", visitor_id="quiz-only-77", page="/")
    session.commit()
    report = delete_customer(session=session, site=site, customer_id="quiz-only-77")
    assert report.counts["quiz_sessions"] == 1 and report.total == 1


def test_another_sites_customer_of_the_same_id_is_untouched(session: Session, people: Site) -> None:
    other = make_site(session, key="pk_other", name="Other shop")
    shopper(session, other, "ada", ("ada-phone-02",), "a")
    before = table_counts(session)
    delete_customer(session=session, site=people, customer_id="ada")
    assert export_customer(session=session, site=other, customer_id="ada")["orders"]
    assert sum(before.values()) - sum(table_counts(session).values()) == 20
    with pytest.raises(NotFound):
        export_customer(session=session, site=other, customer_id="v:1")  # a visitor id of the first site


@pytest.mark.parametrize("hostile", ["", "   ", "x" * 129, "a\x00b", "ok\ud83d"])
def test_hostile_ids_are_invalid(session: Session, site: Site, hostile: str) -> None:
    with pytest.raises(Invalid) as caught:
        delete_customer(session=session, site=site, customer_id=hostile)
    assert caught.value.field == "customer"


def test_unknown_and_unicode_ids_are_not_found(session: Session, site: Site) -> None:
    for unknown in ("nobody", "Jörg 🏃", "v:99999999", "v:" + "9" * 40, "x" * 128):
        with pytest.raises(NotFound, match="nothing is held"):
            export_customer(session=session, site=site, customer_id=unknown)


def test_a_failure_part_way_deletes_nothing(session: Session, people: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    before = table_counts(session)
    broken = Table("no_such_table", MetaData(), Column("site_id", Integer), Column("customer_key", String(128)))
    monkeypatch.setattr(tables, "PER_CUSTOMER_TABLES", [*tables.PER_CUSTOMER_TABLES, tables.PerCustomerTable(broken)])
    with pytest.raises(Exception, match="no_such_table"):
        delete_customer(session=session, site=people, customer_id="ada")
    session.rollback()
    assert table_counts(session) == before


def figure(site_id: int, key: str, clv: float) -> CustomerFigure:
    now = utcnow()
    return CustomerFigure(site_id=site_id, customer_key=key, orders=1, revenue_minor=2000, first_order_at=now,
                          last_order_at=now, recency_score=3, frequency_score=1, monetary_score=2, segment="new",
                          average_order_value=20.0, purchase_frequency=1.0, expected_lifespan=2.0, simple_clv=40.0,
                          clv=clv)


def test_customer_figures_are_exported_and_deleted(session: Session, people: Site) -> None:
    other = make_site(session, key="pk_other", name="Other shop")
    stranger_id = session.exec(select_model(Visitor.id).where(Visitor.anon_id == "anon-visitor-9")).one()
    for site_id, key, clv in ((people.pk, "ada", 200.0), (people.pk, "bob", 100.0),
                              (people.pk, f"v:{stranger_id}", 5.0), (other.pk, "ada", 7.0)):
        session.add(figure(site_id, key, clv))
    session.commit()
    assert [f["clv"] for f in export_customer(session=session, site=people, customer_id="ada")["figures"]] == [200.0]
    assert delete_customer(session=session, site=people, customer_id="ada").counts["figures"] == 1
    assert delete_customer(session=session, site=people, customer_id="anon-visitor-9").counts["figures"] == 1
    left = sorted(session.execute(select(CustomerFigure.site_id, CustomerFigure.customer_key)).all())  # type: ignore[call-overload]
    assert left == [(people.pk, "bob"), (other.pk, "ada")]


def test_delete_is_one_statement_per_table_whatever_the_history(session: Session, people: Site, engine: Engine) -> None:
    for batch in range(3):  # at most 100 events a batch
        record(session, people, ADA[0], *(make_event("product_view", 10 + batch + i / 100, sku="a")
                                          for i in range(100)))
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", seen)
    try:
        report = delete_customer(session=session, site=people, customer_id="ada")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert report.counts["events"] == 309
    assert statements.count("DELETE") == len(report.counts) == 11
