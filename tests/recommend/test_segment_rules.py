"""Merchandising rules for RFM segments: the same page, a different strip for a champion and a customer at risk."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.insight import serving
from assistant.insight.models import CustomerFigure, InsightState
from assistant.merchandising import rules as merch_rules
from assistant.merchandising.rules import RuleError, parse_rules
from assistant.recommend.serving import ModelStore
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.service import record_events
from tests.recommend.test_serving import catalog, trained  # noqa: F401 (fixtures)
from tests.tracking.test_events_api import CHROME

RULES = """rules:
  - pin: pack-1
    segments: [at_risk, cannot_lose]
  - exclude: {brand: Other}
    segments: [champions]
    placements: [cart]
"""


def figure(site: Site, key: str, segment: str) -> CustomerFigure:
    now = utcnow()
    return CustomerFigure(site_id=site.pk, customer_key=key, customer_id=key, orders=3, revenue_minor=30000,
                          first_order_at=now, last_order_at=now, recency_score=3, frequency_score=3,
                          monetary_score=3, segment=segment, average_order_value=100.0, purchase_frequency=2.0,
                          expected_lifespan=3.0, simple_clv=600.0)


@pytest.fixture
def shop(app: Flask, session: Session, site: Site, trained: ModelStore,  # noqa: F811
         tmp_path: Path) -> Iterator[None]:
    """Two identified customers with figures (a champion, one at risk) and one visitor the nightly run never saw."""
    for anon, customer in (("anon-champ", "c-champ"), ("anon-risk", "c-risk"), ("anon-new", None)):
        events: list[dict[str, Any]] = [{"id": f"{anon}-1", "type": "page_view", "page": "/"}]
        if customer:
            events.append({"id": f"{anon}-2", "type": "identify", "customer_id": customer})
        result = record_events(session=session, site=site, batch={"visitor": anon, "events": events},
                               user_agent=CHROME, now=utcnow())
        assert not result.rejected
    session.add(figure(site, "c-champ", "champions"))
    session.add(figure(site, "c-risk", "at_risk"))
    session.add(InsightState(site_id=site.pk, version=1))
    session.commit()
    path = tmp_path / "merchandising.yaml"
    path.write_text(RULES)
    state = app.extensions["assistant"]
    state["models"] = trained
    state["settings"] = dataclasses.replace(state["settings"], merch_rules=path)
    merch_rules._loaded.clear()
    merch_rules._for_site.clear()
    serving.forget()
    yield
    serving.forget()
    merch_rules._loaded.clear()
    merch_rules._for_site.clear()


def strip(client: FlaskClient, query: str) -> list[str]:
    response = client.get(f"/api/v1/recommendations?site=pk_test&n=4&{query}")
    assert response.status_code == 200, response.get_json()
    return [item["product"]["sku"] for item in response.get_json()["items"]]


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("page", ["placement=product&product=shoe-a", "placement=home",
                                  "placement=cart&cart=shoe-a"])
def test_the_same_page_gives_a_champion_and_a_customer_at_risk_different_strips(client: FlaskClient,
                                                                                 page: str) -> None:
    at_risk = strip(client, f"{page}&visitor=anon-risk")
    champion = strip(client, f"{page}&visitor=anon-champ")
    unknown = strip(client, f"{page}&visitor=anon-new")
    nobody = strip(client, page)
    assert at_risk[0] == "pack-1"  # pinned for the segments at risk only
    assert champion != at_risk and "pack-1" not in champion[:1]
    assert unknown == nobody  # no figures: the rules for segments do not apply
    assert "pack-1" not in nobody[:1]


@pytest.mark.usefixtures("shop")
def test_a_rule_for_champions_applies_to_champions_only(client: FlaskClient) -> None:
    champion = strip(client, "placement=cart&cart=shoe-a&visitor=anon-champ")
    unknown = strip(client, "placement=cart&cart=shoe-a&visitor=anon-new")
    assert champion and not {"sock-1", "spray-1", "bottle-1"} & set(champion)  # brand Other excluded
    assert {"sock-1", "spray-1", "bottle-1"} & set(unknown)


@pytest.mark.usefixtures("shop")
def test_quiz_results_and_other_shoppers_take_no_rule_for_segments(app: Flask) -> None:
    path = app.extensions["assistant"]["settings"].merch_rules
    assert merch_rules.targets_segments(path, "pk_test", "cart")
    assert not merch_rules.targets_segments(path, "pk_test", "recent")  # a pin never applies there
    assert merch_rules.rules_for_site(path, "pk_test") == []
    assert [r.action for r in merch_rules.rules_for_site(path, "pk_test", "at_risk")] == ["pin"]


@pytest.mark.parametrize("segments", ["at_risk", ["At Risk"], [3], {"a": 1}])
def test_bad_segments_are_named(segments: Any) -> None:
    with pytest.raises(RuleError, match="rule 1: segments takes a list of segment names"):
        parse_rules({"rules": [{"pin": "x", "segments": segments}]})
