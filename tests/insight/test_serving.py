"""Serving the nightly figures from memory, and the promotion conditions that read them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlmodel import Session

from assistant.insight import serving
from assistant.insight.nightly import compute_site_figures
from assistant.promotions.audience import audience_count
from assistant.promotions.rules import evaluate, validate_conditions
from assistant.promotions.snapshot import snapshot_for
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.warmup import warm
from benchmarks.insight_shop import ShopSize, write_shop
from tests.admin.test_campaigns import VALID_FORM, marketer, page, post
from tests.insight.test_nightly import NOW, figures


@pytest.fixture
def shop(session: Session, site: Site) -> Iterator[dict[str, dict[str, Any]]]:
    """A synthetic shop with its nightly figures computed; no map of it outlives the test."""
    write_shop(session=session, site=site, size=ShopSize(customers=500, events=0), now=NOW, seed=11)
    compute_site_figures(session=session, site=site, now=NOW)
    session.commit()
    serving.forget()  # the engine outlives the tests: a map of an earlier test's site 1 may still be live
    yield figures(session, site)
    serving.forget()


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind()

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def anon_of(session: Session, site: Site, key: str) -> str:
    """The anon id of a visitor of customer `key`."""
    params: dict[str, Any]
    if key.startswith("v:"):
        query, params = "SELECT anon_id FROM visitor WHERE id = :v", {"v": int(key[2:])}
    else:
        query, params = "SELECT anon_id FROM visitor WHERE site_id = :s AND customer_id = :c", {"s": site.pk, "c": key}
    return str(session.execute(text(query), params).scalars().first())


def pick(rows: dict[str, dict[str, Any]], segment: str) -> tuple[str, dict[str, Any]]:
    """The most valuable customer of `segment`."""
    return max(((k, r) for k, r in rows.items() if r["segment"] == segment), key=lambda kr: kr[1]["clv"])


def test_conditions_select_a_valuable_customer_at_risk_and_not_a_champion(
        session: Session, site: Site, shop: dict[str, dict[str, Any]]) -> None:
    risky_key, risky = pick(shop, "at_risk")
    champion_key, champion = pick(shop, "champions")
    at_risk = {"all": [{"segment": {"name": "at_risk"}}, {"clv": {"min": round(risky["clv"] - 1, 2)}}]}
    assert validate_conditions(at_risk) == []
    risky_snapshot = snapshot_for(session=session, site=site, anon_id=anon_of(session, site, risky_key), now=NOW)
    champion_snapshot = snapshot_for(session=session, site=site, anon_id=anon_of(session, site, champion_key), now=NOW)
    assert risky_snapshot.segments == {"at_risk"} and risky_snapshot.clv == pytest.approx(risky["clv"])
    assert risky_snapshot.p_alive == pytest.approx(risky["p_alive"]) and risky_snapshot.churn_risk is None
    assert evaluate(at_risk, risky_snapshot) and not evaluate(at_risk, champion_snapshot)
    assert evaluate({"segment": {"name": "champions"}}, champion_snapshot)
    assert evaluate({"p_alive": {"min": champion["p_alive"]}}, champion_snapshot)
    assert not evaluate({"p_alive": {"max": champion["p_alive"] - 0.001}}, champion_snapshot)
    stranger = snapshot_for(session=session, site=site, anon_id="never-seen-1", now=NOW)
    assert stranger.segments == frozenset() and not evaluate({"clv": {"min": 0}}, stranger)


def test_the_campaign_audience_counts_the_visitors_in_the_segment(
        session: Session, site: Site, shop: dict[str, dict[str, Any]]) -> None:
    visitors = session.execute(text("SELECT id, customer_id FROM visitor WHERE site_id = :s"), {"s": site.pk}).all()
    expected = sum(shop.get(c if c is not None else f"v:{v}", {}).get("segment") == "at_risk" for v, c in visitors)
    audience = audience_count(session=session, site=site, conditions={"segment": {"name": "at_risk"}}, now=NOW)
    assert expected > 0 and (audience.matched, audience.checked) == (expected, len(visitors))


def test_clv_and_p_alive_ranges_are_checked_when_saved() -> None:
    problems = validate_conditions({"all": [{"p_alive": {"min": 1.5}}, {"clv": {"min": -1}}, {"clv": 3}]})
    assert [(p.field, p.message) for p in problems] == [
        ("conditions.all[0].p_alive.min", "must be between 0 and 1"),
        ("conditions.all[1].clv.min", "must be between 0 and 10000000"),
        ("conditions.all[2].clv", "must be a range such as {min: 20, max: 50}")]


def test_the_map_is_read_once_and_reloaded_when_a_run_moves_the_version(
        session: Session, site: Site, shop: dict[str, dict[str, Any]], statements: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    key = next(iter(shop))
    found = serving.figures_for(session=session, site_id=site.pk, keys=[key])
    assert found is not None and found.segment == shop[key]["segment"]
    statements.clear()
    for _ in range(50):
        serving.figures_for(session=session, site_id=site.pk, keys=["nobody", key])
    assert statements == []  # within CHECK_SECONDS: no statement at all
    monkeypatch.setattr(serving, "CHECK_SECONDS", 0.0)
    serving.figures_for(session=session, site_id=site.pk, keys=[key])
    assert len(statements) == 1 and "insight_state" in statements[0]  # the version only: unchanged
    session.execute(text("UPDATE customer_figure SET segment = 'hand_made' WHERE customer_key = :k"), {"k": key})
    session.execute(text("UPDATE insight_state SET version = version + 1"))
    reloaded = serving.figures_for(session=session, site_id=site.pk, keys=[key])
    assert reloaded is not None and reloaded.segment == "hand_made"


def test_warming_loads_every_sites_figures_before_traffic(app: Flask, shop: dict[str, dict[str, Any]]) -> None:
    assert warm(app).customers == len(shop)


def test_the_campaign_editor_counts_who_would_see_an_at_risk_campaign(
        client: FlaskClient, session: Session, site: Site) -> None:
    now = utcnow()
    write_shop(session=session, site=site, size=ShopSize(customers=300, events=0), now=now, seed=2)
    compute_site_figures(session=session, site=site, now=now)
    session.commit()
    rows = figures(session, site)
    visitors = session.execute(text("SELECT id, customer_id FROM visitor WHERE site_id = :s"), {"s": site.pk}).all()
    floor = sorted(r["clv"] for r in rows.values() if r["segment"] == "at_risk")[-3]
    expected = sum(rows[c if c is not None else f"v:{v}"]["segment"] == "at_risk"
                   and rows[c if c is not None else f"v:{v}"]["clv"] >= floor for v, c in visitors)
    marketer(client, session)
    counted = page(post(client, "/admin/campaigns/audience",
                        {"conditions": f"all: [{{segment: {{name: at_risk}}}}, {{clv: {{min: {floor}}}}}]"}))
    serving.forget()
    assert expected >= 3 and f'<span class="num">{expected}</span> of {len(visitors)} visitors' in counted


def test_the_preview_takes_a_sample_customer_at_risk(client: FlaskClient, session: Session, site: Site) -> None:
    marketer(client, session)
    form = {**VALID_FORM, "action": "preview", "sample.cart_value": "20",
            "conditions": "all: [{segment: {name: at_risk}}, {clv: {min: 200}}, {p_alive: {max: 0.6}}]"}
    at_risk = {**form, "sample.segment": "at_risk", "sample.clv": "250", "sample.p_alive": "0.4"}
    assert "matches the targeting" in page(post(client, "/admin/campaigns/preview", at_risk))
    for other in ({"sample.segment": "champions"}, {"sample.clv": "150"}, {"sample.clv": ""}):
        assert "does not match the targeting" in page(post(client, "/admin/campaigns/preview", {**at_risk, **other}))
    wrong = page(post(client, "/admin/campaigns/preview", {**at_risk, "sample.p_alive": "2"}))
    assert "P alive: must be a number from 0 to 1" in wrong
