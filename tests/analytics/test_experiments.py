"""Experiment results from tracked events: exposure, clicks, attributed purchases, comparisons, SRM."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from assistant.analytics.experiments import Settings, experiment_results
from assistant.analytics.sequential import sequential_rates
from assistant.analytics.stats import TOO_SMALL
from assistant.promotions.models import Campaign
from assistant.sites.models import Site
from tests.promotions.helpers import make_campaign, shown, track

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def purchase(value: float) -> dict[str, Any]:
    return {"type": "purchase", "order_id": uuid.uuid4().hex, "value": value}


def later(**delta: float) -> datetime:
    return T0 + timedelta(**delta)


@pytest.fixture
def campaign(session: Session, site: Site) -> Campaign:
    campaign = make_campaign(session, site, variants=[{"key": "a", "message": "Hi"},
                                                      {"key": "control", "control": True}])
    other = make_campaign(session, site)
    c = campaign
    track(session, site, "visitor-a1", T0, shown(c), shown(c, kind="promo_click"), purchase(30))
    track(session, site, "visitor-a2", T0, shown(c))
    track(session, site, "visitor-a2", later(days=3), purchase(50))
    track(session, site, "visitor-a3", T0, shown(c))
    track(session, site, "visitor-a3", later(days=10), purchase(20))
    track(session, site, "visitor-a4", T0, shown(c))
    track(session, site, "visitor-a4", later(hours=2), shown(c))
    track(session, site, "visitor-a5", later(days=-1), purchase(99))
    track(session, site, "visitor-a5", T0, shown(c))
    track(session, site, "visitor-a6", T0, shown(c), shown(c, kind="promo_click"), shown(c, kind="promo_click"))
    track(session, site, "visitor-a7", T0, {"type": "promo_impression", "ref": f"{c.id}:a"})
    track(session, site, "visitor-c1", T0, shown(c, "control"), purchase(40), purchase(10))
    track(session, site, "visitor-c2", T0, shown(c, "control"), shown(other), purchase(15))
    track(session, site, "visitor-c3", T0, shown(c, "control"))
    track(session, site, "visitor-c3", later(hours=1), shown(c, "a"))
    return campaign


def test_numbers_per_variant(session: Session, site: Site, campaign: Campaign) -> None:
    result = experiment_results(session=session, site=site, campaign=campaign)
    a, control = result.arms
    assert (a.key, a.visitors, a.impressions, a.clicks, a.clickers) == ("a", 7, 9, 3, 2)
    assert (a.conversions, a.orders, a.revenue, a.average_order_value) == (2, 2, 80.0, 40.0)
    assert a.conversion_rate == pytest.approx(2 / 7) and a.click_rate == pytest.approx(2 / 7)
    assert a.revenue_per_visitor == pytest.approx(80 / 7)
    assert (control.visitors, control.impressions, control.conversions, control.orders) == (3, 3, 2, 3)
    assert (control.revenue, control.average_order_value) == (65.0, pytest.approx(65 / 3))
    assert (result.baseline, result.baseline_is_control, result.mixed_visitors) == ("control", True, 1)
    assert result.currency == "EUR" and "7 days" in result.attribution


def test_comparisons_say_too_small_and_name_their_methods(session: Session, site: Site, campaign: Campaign) -> None:
    result = experiment_results(session=session, site=site, campaign=campaign)
    a = result.arms[0]
    assert a.conversion is not None and a.conversion.verdict == TOO_SMALL
    assert a.conversion.difference == pytest.approx(2 / 7 - 2 / 3)
    assert a.revenue_change is not None and a.revenue_change.verdict == TOO_SMALL
    assert result.arms[1].conversion is None  # the baseline is not compared with itself
    assert "Newcombe" in result.methods["conversion_rate"] and "Welch" in result.methods["revenue_per_visitor"]
    assert result.srm is not None and result.srm.observed == [7, 3] and not result.srm.mismatch
    assert result.srm.chi2 == pytest.approx(1.6)
    body = result.to_json()
    assert body["arms"][0]["conversion"]["verdict"] == TOO_SMALL


@pytest.mark.parametrize(("window", "conversions", "revenue"), [(None, 1, 30.0), (7, 2, 80.0), (14, 3, 100.0)])
def test_the_attribution_window(session: Session, site: Site, campaign: Campaign, window: int | None,
                                conversions: int, revenue: float) -> None:
    result = experiment_results(session=session, site=site, campaign=campaign, settings=Settings(window_days=window))
    assert (result.arms[0].conversions, result.arms[0].revenue) == (conversions, revenue)


def test_a_time_range(session: Session, site: Site, campaign: Campaign) -> None:
    result = experiment_results(session=session, site=site, campaign=campaign, since=later(minutes=30))
    assert [(arm.key, arm.visitors) for arm in result.arms] == [("a", 2), ("control", 0)]  # a4's and c3's later views


def test_a_large_enough_experiment_gets_a_verdict_and_an_srm_check(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, variants=[{"key": "a", "message": "Hi"},
                                                      {"key": "control", "control": True}])
    for i in range(40):
        events = [shown(campaign, "a")] + ([purchase(20)] if i < 20 else [])
        track(session, site, f"visitor-big-a{i:02d}", T0, *events)
    for i in range(20):
        events = [shown(campaign, "control")] + ([purchase(20)] if i < 2 else [])
        track(session, site, f"visitor-big-c{i:02d}", T0, *events)
    result = experiment_results(session=session, site=site, campaign=campaign,
                                settings=Settings(min_visitors=5))
    conversion = result.arms[0].conversion
    assert conversion is not None and conversion.verdict == "better" and conversion.p_value is not None
    assert conversion.p_value < 0.05 and conversion.ci_low is not None and conversion.ci_low > 0
    assert result.srm is not None and result.srm.p_value < 0.01  # 40 vs 20 on 50/50 weights
    assert not result.srm.mismatch  # but not below 0.001: not flagged
    revenue = result.arms[0].revenue_change
    assert revenue is not None and revenue.difference == pytest.approx(10 - 2) and revenue.verdict == "better"


def test_each_comparison_also_always_valid(session: Session, site: Site, campaign: Campaign) -> None:
    result = experiment_results(session=session, site=site, campaign=campaign,
                                settings=Settings(min_visitors=1, sequential_tuning=1000))
    a = result.arms[0]
    expected = sequential_rates((a.conversions, a.visitors), (2, 3), tuning=1000)
    assert a.conversion_sequential is not None and expected is not None
    assert (a.conversion_sequential.ci_low, a.conversion_sequential.p_value) == pytest.approx(
        (expected.ci_low, expected.p_value))
    assert a.conversion is not None and a.conversion.p_value is not None
    assert expected.p_value > a.conversion.p_value  # the always-valid p-value is the more cautious
    assert a.revenue_sequential is not None and a.revenue_sequential.verdict == "no clear difference"
    assert "narrowest at 1,000 visitors" in result.methods["sequential"]
