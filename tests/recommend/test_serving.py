"""Training from events, serving the newest bundle, placements with business rules, the API."""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.catalog.index import build_index
from assistant.catalog.models import Product
from assistant.merchandising.rules import parse_rules
from assistant.recommend.catalog_view import StockCache
from assistant.recommend.service import PLACEMENTS, recommend_for
from assistant.recommend.serving import ModelStore
from assistant.recommend.shopper import Shopper
from assistant.recommend.training import train_site
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.service import record_events
from tests.factories import load_flow, make_product
from tests.tracking.test_events_api import CHROME

SHOES = [("shoe-a", "Trail Runner A", "120"), ("shoe-b", "Trail Runner B", "125"), ("shoe-c", "Road Racer C", "90")]
ADD_ONS = [("sock-1", "Merino Sock", "15"), ("spray-1", "Care Spray", "9"), ("bottle-1", "Bottle", "25"),
           ("pack-1", "Big Pack", "180")]


@pytest.fixture
def catalog(session: Session, site: Site) -> dict[str, Product]:
    products = {}
    for sku, title, price in SHOES:
        products[sku] = make_product(session, site, sku=sku, title=title, price=price, categories="Shoes",
                                     description=f"{title} trail running shoe", attributes={"brand": "Acme"})
    for sku, title, price in ADD_ONS:
        products[sku] = make_product(session, site, sku=sku, title=title, price=price, categories="Extras",
                                     attributes={"brand": "Other"})
    make_product(session, site, sku="gone", title="Sold Out Sock", price="12", categories="Extras", stock="0")
    return products


def orders(session: Session, site: Site, baskets: list[list[str]]) -> None:
    now_ms = time.time() * 1000
    for number, basket in enumerate(baskets):
        events: list[dict[str, Any]] = [
            {"id": f"v-{number:04d}-{i:02d}", "type": "product_view", "sku": sku, "ts": now_ms - 60_000 + i}
            for i, sku in enumerate(basket)]
        events.append({"id": f"o-{number:04d}-00", "type": "purchase", "order_id": f"order-{number}", "value": 1.0,
                       "ts": now_ms, "items": [{"sku": sku, "quantity": 1} for sku in basket]})
        record_events(session=session, site=site, batch={"visitor": f"visitor-{number:04d}", "events": events},
                      user_agent=CHROME, now=utcnow())
    session.commit()


@pytest.fixture
def trained(session: Session, site: Site, catalog: dict[str, Product], tmp_path: Path) -> ModelStore:
    orders(session, site, [["shoe-a", "sock-1"], ["shoe-a", "sock-1"], ["shoe-a", "spray-1"], ["shoe-b", "sock-1"],
                           ["shoe-a", "gone"], ["shoe-c", "bottle-1"], ["shoe-a", "shoe-b"], ["pack-1", "bottle-1"]])
    report = train_site(session=session, site=site, root=tmp_path / "models", now=utcnow())
    assert (report.baskets, report.products) == (8, 8)
    return ModelStore(tmp_path / "models", check_seconds=0)


def skus(result: Any) -> list[str]:
    return [p.sku for p, _ in result.items]


def test_training_writes_a_bundle_the_store_serves(trained: ModelStore, site: Site) -> None:
    bundle = trained.bundle(site.key)
    assert bundle is not None and {"basket", "together", "session", "similar", "popular"} <= set(bundle.models)


def test_a_newer_bundle_is_swapped_in_without_restart(session: Session, site: Site, trained: ModelStore,
                                                      tmp_path: Path) -> None:
    first = trained.bundle(site.key)
    time.sleep(1.1)  # bundle versions are named by the second
    train_site(session=session, site=site, root=tmp_path / "models", now=utcnow())
    second = trained.bundle(site.key)
    assert first is not None and second is not None and second.version != first.version


def test_an_incompatible_bundle_is_refused_with_a_reason_and_the_loaded_one_kept(
        site: Site, trained: ModelStore, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = trained.bundle(site.key)
    assert first is not None
    folder = tmp_path / "models" / site.key
    newer = folder / "99990101T000000-1"  # trained by a later version, whose session strategy has a new parameter
    shutil.copytree(folder / first.version, newer)
    with np.load(newer / "session.npz", allow_pickle=False) as data:
        arrays = dict(data)
    header = json.loads(str(arrays["__header__"]))
    header["params"]["from_a_later_version"] = 1
    arrays["__header__"] = np.array(json.dumps(header))
    np.savez(newer / "session.npz", **arrays)
    (folder / "CURRENT").write_text(newer.name)
    with caplog.at_level(logging.ERROR):
        assert trained.bundle(site.key) is first
    assert "cannot be built by this version" in caplog.text and "retrain with `assistant train`" in caplog.text


def test_cart_placement_completes_the_cart_in_stock_only(session: Session, site: Site, trained: ModelStore) -> None:
    sold_out = StockCache().sold_out(session=session, site=site)
    assert sold_out == {"gone"}
    result = recommend_for(bundle=trained.bundle(site.key), placement=PLACEMENTS["cart"],
                           shopper=Shopper(cart=("shoe-a",), cart_value=120.0), n=3, sold_out=sold_out)
    assert "gone" not in skus(result)
    assert skus(result)[0] == "sock-1"
    assert "shoe-a" not in skus(result)
    assert result.items[0][1].text == "Often bought with Trail Runner A"
    assert result.rec_id.startswith("r_") and result.title == "Complete your order"


def test_product_placement_never_shows_the_product_itself(session: Session, site: Site,
                                                         trained: ModelStore) -> None:
    result = recommend_for(bundle=trained.bundle(site.key),
                           placement=PLACEMENTS["product"], shopper=Shopper(viewing="shoe-a"), n=6)
    assert "shoe-a" not in skus(result) and skus(result)


def test_checkout_puts_the_gap_closer_first_then_cheap_add_ons(session: Session, site: Site,
                                                               trained: ModelStore) -> None:
    result = recommend_for(bundle=trained.bundle(site.key),
                           placement=PLACEMENTS["checkout"], shopper=Shopper(cart=("shoe-c",), cart_value=90.0),
                           n=4, free_shipping=100.0, sold_out={"gone"})
    first, reason = result.items[0]
    assert (first.sku, reason.kind, reason.text) == ("sock-1", "closes_gap", "Adds €10.00 to reach free shipping")
    # add-ons cost at most max(20, a quarter of the cart)
    assert result.items[1:] and all(p.price <= 25 for p, _ in result.items[1:])


def test_merchandiser_rules_pin_bury_and_exclude(session: Session, site: Site, trained: ModelStore) -> None:
    rules = parse_rules({"rules": [{"exclude": {"brand": "Other"}, "placements": ["product"]},
                                   {"pin": "pack-1", "placements": ["cart"]}]})
    product = recommend_for(bundle=trained.bundle(site.key),
                            placement=PLACEMENTS["product"], shopper=Shopper(viewing="shoe-a"), n=6, rules=rules)
    assert skus(product) and all(p.attrs.get("brand") != "Other" for p, _ in product.items)
    cart = recommend_for(bundle=trained.bundle(site.key), placement=PLACEMENTS["cart"],
                         shopper=Shopper(cart=("shoe-a",)), n=3, rules=rules)
    assert skus(cart)[0] == "pack-1" and cart.items[0][1].kind == "pinned"


@pytest.mark.parametrize(("data", "message"), [
    ({"rules": [{"pin": 3}]}, "rule 1: pin takes a SKU"),
    ({"rules": [{"boost": {"brand": {"near": 1}}}]}, "rule 1: unknown operator 'near'"),
    ({"rules": [{"boost": {"brand": "x"}, "bury": {"brand": "y"}}]}, "rule 1: needs exactly one of"),
    ({"rules": [{"pin": "x"}, {"pin": "y", "placements": ["basket"]}]}, "rule 2: unknown placement 'basket'"),
    ({"rules": [{"pin": "y", "placements": "cart"}]}, "rule 1: placements takes a list"),
    ({"rules": [{"pin": "y", "placements": ["recent"]}]}, "rule 1: recent takes no pins"),
    ({"rules": [{"boost": {"brand": "x"}, "factor": -2}]}, "rule 1: factor must be a positive number"),
    ({"rules": [{"bury": {"brand": "x"}, "factor": 0}]}, "rule 1: factor must be a positive number"),
    ({"rules": [{"boost": {"brand": "x"}, "factor": float("nan")}]}, "rule 1: factor must be a positive number"),
    ({"rules": [{"boost": {"brand": "x"}, "factor": float("inf")}]}, "rule 1: factor must be a positive number"),
    ({"rules": [{"boost": {"brand": "x"}, "factor": [2]}]}, "rule 1: factor must be a positive number"),
    ([1], "the file must be a mapping"),
])
def test_bad_rules_are_named(data: Any, message: str) -> None:
    from assistant.merchandising.rules import RuleError

    with pytest.raises(RuleError, match=message):
        parse_rules(data)


def test_api_answers_a_strip_with_reasons(app: Flask, client: FlaskClient, site: Site, trained: ModelStore) -> None:
    app.extensions["assistant"]["models"] = trained
    body = client.get("/api/v1/recommendations?site=pk_test&placement=cart&cart=shoe-a&n=2").get_json()
    assert body["placement"] == "cart" and body["rec"].startswith("r_") and len(body["items"]) == 2
    assert body["items"][0] == {"product": body["items"][0]["product"],
                                "reason": {"kind": "bought_together", "text": "Often bought with Trail Runner A"}}
    assert body["items"][0]["product"]["sku"] == "sock-1"


@pytest.mark.parametrize(("query", "field"), [("placement=shelf", "placement"), ("placement=cart&n=0", "n"),
                                              ("placement=cart&n=99", "n"), ("placement=home&visitor=" + "x" * 200,
                                                                             "visitor")])
def test_api_errors_name_the_field(client: FlaskClient, site: Site, query: str, field: str) -> None:
    response = client.get(f"/api/v1/recommendations?site=pk_test&{query}")
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, field)


def test_api_is_empty_before_any_training(client: FlaskClient, site: Site) -> None:
    body = client.get("/api/v1/recommendations?site=pk_test&placement=home").get_json()
    assert body["items"] == [] and body["title"] == "Picked for you"


def test_a_cart_strip_reads_nothing_from_the_database_once_site_and_stock_are_cached(
        app: Flask, client: FlaskClient, site: Site, trained: ModelStore) -> None:
    from sqlalchemy import event

    from assistant.db import get_engine

    app.extensions["assistant"]["models"] = trained
    statements: list[str] = []
    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    url = "/api/v1/recommendations?site=pk_test&placement=cart&cart=shoe-a&n=2"
    assert client.get(url).status_code == 200
    assert statements, "the first strip reads the site and the sold-out SKUs"
    statements.clear()
    body = client.get(url).get_json()
    assert [item["product"]["sku"] for item in body["items"]] == ["sock-1", "spray-1"]
    assert statements == []


def test_product_page_falls_back_to_what_is_popular_in_the_products_category(session: Session, site: Site,
                                                                            trained: ModelStore) -> None:
    bundle = trained.bundle(site.key)
    assert bundle is not None
    only_popular = type(bundle)(bundle.version, {"popular": bundle.models["popular"]}, bundle.catalog)
    result = recommend_for(bundle=only_popular, placement=PLACEMENTS["product"], shopper=Shopper(viewing="shoe-c"),
                           n=6)
    assert skus(result) and {p.categories[0] for p, _ in result.items} == {"Shoes"}
    assert {r.text for _, r in result.items} == {"Popular in Shoes"}


def test_recently_viewed_strip_shows_the_visitors_own_views(app: Flask, client: FlaskClient, session: Session,
                                                            site: Site, trained: ModelStore) -> None:
    app.extensions["assistant"]["models"] = trained
    now_ms = time.time() * 1000
    events = [{"id": f"recent-{i:02d}", "type": "product_view", "sku": sku, "ts": now_ms - 5_000 + i}
              for i, sku in enumerate(["shoe-c", "sock-1", "gone", "shoe-c", "bottle-1"])]
    stored = record_events(session=session, site=site, batch={"visitor": "rv-visitor", "events": events},
                           user_agent=CHROME, now=utcnow())
    session.commit()
    assert stored.accepted == len(events)
    url = "/api/v1/recommendations?site=pk_test&placement=recent&visitor=rv-visitor&product=bottle-1"
    body = client.get(url).get_json()
    assert body["title"] == "Recently viewed"
    # latest first, each once; not the product on the page, not what is sold out
    assert [item["product"]["sku"] for item in body["items"]] == ["shoe-c", "sock-1"]
    assert body["items"][0]["reason"] == {"kind": "recently_viewed", "text": "You viewed this recently"}
    stranger = client.get("/api/v1/recommendations?site=pk_test&placement=recent&visitor=nobody").get_json()
    assert stranger["items"] == []


BUDGET_FLOW = """
id: shoe-budget
title: Find your shoe
scope: {category: Shoes}
questions:
  - id: budget
    text: Your budget?
    type: range
    field: price
    min: 40
    max: 250
"""


def test_a_new_visitor_who_answered_a_quiz_is_picked_for_from_the_answers(session: Session, site: Site,
                                                                          trained: ModelStore) -> None:
    flow, bundle, home = load_flow(BUDGET_FLOW), trained.bundle(site.key), PLACEMENTS["home"]
    catalog = build_index(session.connection(), site.pk)
    shopper = Shopper(quizzes=(("shoe-budget", [["budget", [40, 100]]]), ("gone", [["x", "y"]])))
    result = recommend_for(bundle=bundle, placement=home, shopper=shopper, n=4, quiz_flow=flow, catalog=catalog)
    assert [(p.sku, r.kind, r.text) for p, r in result.items if r.kind == "quiz"] == [
        ("shoe-c", "quiz", "From your quiz: in your budget")]  # the one shoe in the budget, first
    assert skus(result)[0] == "shoe-c" and len(result.items) == 4, "the chain fills the rest"
    # with history, the history decides; answers the live flow no longer takes give nothing
    seen = recommend_for(bundle=bundle, placement=home, n=4, quiz_flow=flow, catalog=catalog,
                         shopper=Shopper(recent=("sock-1",), quizzes=shopper.quizzes))
    assert seen.items and all(r.kind != "quiz" for _, r in seen.items)
    stale = Shopper(quizzes=(("shoe-budget", [["surface", "trail"]]), ("shoe-budget", [None, ["budget"]])))
    assert all(r.kind != "quiz" for _, r in recommend_for(bundle=bundle, placement=home, shopper=stale, n=4,
                                                          quiz_flow=flow, catalog=catalog).items)


def test_api_picks_for_a_quiz_answer_before_any_history(app: Flask, client: FlaskClient, session: Session, site: Site,
                                                        trained: ModelStore, flows_dir: Path) -> None:
    from assistant.flows.registry import get_registry

    app.extensions["assistant"]["models"] = trained
    (flows_dir / "shoe-budget.yaml").write_text(BUDGET_FLOW)
    get_registry(app).refresh(force=True)
    stored = record_events(session=session, site=site, user_agent=CHROME, now=utcnow(), batch={
        "visitor": "quiz-visitor", "events": [{"id": "page-0001", "type": "page_view", "ts": time.time() * 1000}]})
    session.commit()
    assert stored.accepted == 1
    api = "/api/v1/{}?site=pk_test"
    quiz = client.post(api.format("quiz"), json={"flow": "shoe-budget", "visitor": "quiz-visitor"}).get_json()["quiz"]
    answered = client.post(api.format(f"quiz/{quiz}/answers"), json={"question": "budget", "value": [40, 100]})
    assert answered.status_code == 200, answered.get_json()
    body = client.get(api.format("recommendations") + "&placement=home&visitor=quiz-visitor").get_json()
    assert body["title"] == "Picked for you"
    assert body["items"][0]["product"]["sku"] == "shoe-c"
    assert body["items"][0]["reason"] == {"kind": "quiz", "text": "From your quiz: in your budget"}
    stranger = client.get(api.format("recommendations") + "&placement=home&visitor=someone-else").get_json()
    assert all(item["reason"]["kind"] != "quiz" for item in stranger["items"])


def test_rules_name_the_placements_there_are() -> None:
    from assistant.merchandising import rules as merch

    assert set(merch.PLACEMENTS) == {*PLACEMENTS, "quiz_results"}


def test_a_pin_for_every_placement_stays_off_recently_viewed(session: Session, site: Site,
                                                             trained: ModelStore) -> None:
    rules = parse_rules({"rules": [{"pin": "pack-1"}, {"exclude": {"brand": "Other"}, "placements": None}]})
    assert rules[1].placements == ()  # none: every placement
    viewed = recommend_for(bundle=trained.bundle(site.key), placement=PLACEMENTS["recent"], n=4, rules=rules,
                           shopper=Shopper(recent=("shoe-a", "shoe-b")))
    assert skus(viewed) == ["shoe-b", "shoe-a"]
    assert recommend_for(bundle=trained.bundle(site.key), placement=PLACEMENTS["recent"], n=4, rules=rules,
                         shopper=Shopper()).items == []
    assert skus(recommend_for(bundle=trained.bundle(site.key), placement=PLACEMENTS["cart"], n=4, rules=rules,
                              shopper=Shopper(cart=("shoe-a",))))[0] == "pack-1"


def test_stored_answers_that_are_not_pairs_end_the_replay() -> None:
    from assistant.flows.quiz import replay

    flow = load_flow(BUDGET_FLOW)
    assert replay(flow, [None, ["budget", [40, 100]]]) == []  # type: ignore[list-item]
    assert replay(flow, [["budget", [40, 100]], ["budget"]]) == [("budget", [40.0, 100.0])]


def test_an_unfitted_strategy_knows_no_item() -> None:
    from assistant.recommend.popular import Popular
    from assistant.recommend.recent import RecentlyViewed

    assert not Popular().knows_any({"a"}) and not RecentlyViewed().knows_any({"a"})
