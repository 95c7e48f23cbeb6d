"""One customer's churn drivers: their features recomputed from their own rows add up to the stored risk."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import text
from sqlmodel import Session

from assistant.insight.drivers import ChurnModel, customer_churn, explain
from assistant.insight.features import FEATURES
from assistant.insight.models import InsightState
from assistant.insight.nightly import churn_scorer, compute_site_figures
from assistant.sites.models import Site
from benchmarks.insight_shop import ShopSize, write_shop
from tests.insight.test_nightly import order

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def visitors_of(session: Session, site: Site, key: str) -> list[int]:
    if key.startswith("v:"):
        return [int(key[2:])]
    rows = session.execute(text("SELECT id FROM visitor WHERE site_id = :s AND customer_id = :c"),
                           {"s": site.pk, "c": key}).scalars()
    return [int(v) for v in rows]


@pytest.fixture
def scored(session: Session, site: Site) -> dict[str, float]:
    write_shop(session=session, site=site, size=ShopSize(customers=600, events=6000), now=NOW, seed=5)
    report = compute_site_figures(session=session, site=site, now=NOW, churn_scores=churn_scorer())
    session.commit()
    assert report.churn_scored
    rows = session.execute(text("SELECT customer_key, churn_risk FROM customer_figure WHERE site_id = :s"),
                           {"s": site.pk}).all()
    return {str(k): float(r) for k, r in rows}


def test_the_run_stores_the_model_that_gave_the_risks(session: Session, site: Site, scored: dict[str, float]) -> None:
    state = session.get(InsightState, site.pk)
    assert state is not None
    model = ChurnModel.from_state(state.model)
    assert model is not None and model.features == FEATURES and model.horizon == 90.0
    assert model.end == pytest.approx(NOW.timestamp() / 86400.0)
    assert np.all(model.scale > 0) and np.any(model.coef != 0)


def test_one_customers_pulls_and_the_intercept_give_the_stored_risk(session: Session, site: Site,
                                                                    scored: dict[str, float]) -> None:
    state = session.get(InsightState, site.pk)
    model = ChurnModel.from_state(state.model if state else {})
    assert model is not None
    keys = sorted(scored)
    anonymous = [k for k in keys if k.startswith("v:")][:10]
    identified = [k for k in keys if not k.startswith("v:")][::25]
    assert anonymous and len(identified) >= 10
    active = 0
    for key in anonymous + identified:
        found = customer_churn(session=session, site=site, key=key, visitor_ids=visitors_of(session, site, key),
                               model=model)
        assert found is not None, key
        risk = scored[key]
        assert found.logit == pytest.approx(math.log(risk / (1 - risk)), abs=1e-6), key
        assert found.risk == pytest.approx(risk, abs=1e-9)
        pulls = [abs(d.contribution) for d in found.drivers]
        assert pulls == sorted(pulls, reverse=True) and len(pulls) == len(FEATURES)
        assert all(d.direction == ("raises risk" if d.contribution > 0 else "lowers risk") for d in found.drivers)
        active += any(d.feature == "views_since_order" and d.value != "0" for d in found.drivers)
    assert active  # activity since the last order was read for these customers too, not only their orders


def test_a_pull_is_the_coefficient_times_the_standardised_value() -> None:
    n = len(FEATURES)
    coef = np.zeros(n)
    coef[0], coef[1] = 2.0, -1.0
    model = ChurnModel(FEATURES, np.full(n, 1.0), np.full(n, 2.0), coef, -0.5, 20000.0, 90.0)
    row = np.zeros(n)
    row[0], row[1] = math.log1p(30), 5.0
    found = explain(model, row)
    first, second = found.drivers[:2]
    assert (first.feature, first.direction, first.value) == ("days_since_last", "raises risk", "30")
    assert first.contribution == pytest.approx(2.0 * (math.log1p(30) - 1.0) / 2.0)
    assert (second.feature, second.direction, second.value) == ("orders", "lowers risk", "147")
    assert second.contribution == pytest.approx(-1.0 * (5.0 - 1.0) / 2.0)
    assert found.logit == pytest.approx(-0.5 + first.contribution + second.contribution)


def test_a_small_shop_stores_no_churn_model(session: Session, site: Site) -> None:
    for n in range(5):
        order(session, site, f"o{n}", f"c{n}", "20", 4 + n)
    report = compute_site_figures(session=session, site=site, now=NOW, churn_scores=churn_scorer())
    session.commit()
    state = session.get(InsightState, site.pk)
    assert not report.churn_scored and state is not None and state.model["churn"] is None
    assert ChurnModel.from_state(state.model) is None
