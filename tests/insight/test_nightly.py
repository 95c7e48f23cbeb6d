"""The nightly figures of a site: stored set-based, both CLVs with their parts, tiny shops without the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlmodel import Session

from assistant.insight.bgnbd import BgNbd
from assistant.insight.nightly import ChurnOutcome, CustomerView, churn_scorer, compute_site_figures
from assistant.insight.rfm_segments import default_path, load_segments
from assistant.sites.models import Site
from assistant.tracking.orders import parse_order, record_order
from benchmarks.insight_shop import ShopSize, write_shop

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def figures(session: Session, site: Site) -> dict[str, dict[str, Any]]:
    rows = session.execute(text("SELECT * FROM customer_figure WHERE site_id = :s"), {"s": site.pk}).mappings()
    return {row["customer_key"]: dict(row) for row in rows}


def order(session: Session, site: Site, order_id: str, customer: str, value: str, days_ago: float) -> None:
    fields = {"order_id": order_id, "value": value, "customer_id": customer,
              "ordered_at": (NOW - timedelta(days=days_ago)).isoformat()}
    assert record_order(session=session, site=site, order=parse_order(fields), source="import", now=NOW)


def test_a_synthetic_shop_gets_every_figure(session: Session, site: Site) -> None:
    written = write_shop(session=session, site=site, size=ShopSize(customers=400, events=3000, lurkers=50), now=NOW)
    session.commit()
    seen: list[CustomerView] = []

    def churn(_: Session, view: CustomerView) -> np.ndarray:
        seen.append(view)
        return np.clip(view.summary.since_last / 730.0, 0, 1)

    report = compute_site_figures(session=session, site=site, now=NOW, churn_scores=churn)
    session.commit()
    rows = figures(session, site)
    assert report.customers == len(rows) == len(seen[0].keys) and report.orders == written["orders"]
    assert report.bgnbd is not None and report.gamma_gamma is not None and report.notes == []
    assert sum(report.segments.values()) == len(rows)
    assert set(report.segments) <= set(load_segments(default_path()).names())
    assert sum(r["orders"] for r in rows.values()) == written["orders"]
    for row in rows.values():
        assert 0 <= row["p_alive"] <= 1 and row["clv"] > 0 and row["expected_spend"] > 0
        assert row["simple_clv"] == pytest.approx(row["average_order_value"] * row["purchase_frequency"]
                                                  * row["expected_lifespan"])
        assert row["average_order_value"] == pytest.approx(row["revenue_minor"] / 100 / row["orders"], abs=0.01)
        assert 0 <= row["churn_risk"] <= 1 and 1 <= row["recency_score"] <= 5
    anonymous = [k for k, r in rows.items() if r["customer_id"] is None]
    assert anonymous and all(k.startswith("v:") for k in anonymous)
    champions = [r for r in rows.values() if r["segment"] == "champions"]
    lost = [r for r in rows.values() if r["segment"] in ("lost", "hibernating")]
    # (BG/NBD's P(alive) is 1 for anyone who bought once, as most of the lost did: compare what they will buy)
    assert np.mean([r["expected_purchases"] for r in champions]) > 2 * np.mean([r["expected_purchases"] for r in lost])
    again = compute_site_figures(session=session, site=site, now=NOW, horizon_days=30)
    session.commit()
    assert again.version > report.version and again.segments == report.segments
    shorter = figures(session, site)
    assert all(shorter[k]["clv"] < rows[k]["clv"] for k in rows)
    assert "BG/NBD r" in report.line() and f"{len(rows)} customers" in report.line()


def test_the_probabilistic_clv_is_purchases_times_spend_undiscounted(session: Session, site: Site) -> None:
    write_shop(session=session, site=site, size=ShopSize(customers=300, events=0), now=NOW, seed=3)
    compute_site_figures(session=session, site=site, now=NOW, horizon_days=180)
    for row in figures(session, site).values():
        assert row["clv"] == pytest.approx(row["expected_purchases"] * row["expected_spend"], rel=1e-9)


def test_a_shop_whose_customers_never_leave_gets_clv_but_no_p_alive(session: Session, site: Site) -> None:
    """BG/NBD's maximum is then its no-drop-out edge: P(alive) would be 1 for everyone, so it is stored unknown."""
    never = BgNbd(r=0.7, alpha=40.0, a=1e-12, b=3.0, log_likelihood=0.0)  # drop-out probabilities of 0
    write_shop(session=session, site=site, size=ShopSize(customers=3000, events=0), now=NOW, seed=5, truth=never)
    report = compute_site_figures(session=session, site=site, now=NOW)
    session.commit()
    assert report.bgnbd is not None and report.bgnbd.a / (report.bgnbd.a + report.bgnbd.b) < 1e-9
    assert any("no drop-out" in note for note in report.notes)
    rows = figures(session, site).values()
    assert all(row["p_alive"] is None and row["clv"] > 0 and row["expected_purchases"] > 0 for row in rows)


def test_a_tiny_shop_gets_rfm_and_simple_clv_only(session: Session, site: Site) -> None:
    order(session, site, "o1", "alice", "20", 400)
    order(session, site, "o2", "alice", "40", 10)
    order(session, site, "o3", "bob", "15", 500)
    report = compute_site_figures(session=session, site=site, now=NOW)
    session.commit()
    rows = figures(session, site)
    assert report.bgnbd is None and "too few customers" in report.notes[0]
    alice, bob = rows["alice"], rows["bob"]
    assert alice["orders"] == 2 and alice["revenue_minor"] == 6000 and alice["average_order_value"] == 30.0
    assert alice["purchase_frequency"] == pytest.approx(2 / (400 / 365.25))
    assert bob["purchase_frequency"] == pytest.approx(1 / (500 / 365.25))
    assert alice["expected_lifespan"] == 2.0  # of the two customers older than a year, bob has not bought in one
    assert alice["clv"] is None and alice["p_alive"] is None and alice["churn_risk"] is None
    assert alice["recency_score"] > bob["recency_score"]


def test_a_site_without_orders_writes_nothing_but_its_state(session: Session, site: Site) -> None:
    report = compute_site_figures(session=session, site=site, now=NOW)
    assert report.customers == 0 and figures(session, site) == {} and report.version > 0


def test_a_churn_scorer_out_of_range_is_refused(session: Session, site: Site) -> None:
    order(session, site, "o1", "alice", "20", 4)
    with pytest.raises(ValueError, match="one risk in"):
        compute_site_figures(session=session, site=site, now=NOW, churn_scores=lambda s, v: np.array([1.5]))


def test_the_churn_model_scores_every_customer_with_its_evaluation(session: Session, site: Site) -> None:
    write_shop(session=session, site=site, size=ShopSize(customers=600, events=4000), now=NOW, seed=5)
    report = compute_site_figures(session=session, site=site, now=NOW, churn_scores=churn_scorer())
    rows = figures(session, site).values()
    assert report.churn_scored and "ROC AUC" in report.churn_evaluation
    assert all(0 <= r["churn_risk"] <= 1 for r in rows)
    by_segment = {s: np.mean([r["churn_risk"] for r in rows if r["segment"] == s]) for s in ("champions", "lost")}
    assert by_segment["champions"] < by_segment["lost"]


def test_a_scorer_may_leave_customers_unscored(session: Session, site: Site) -> None:
    order(session, site, "o1", "alice", "20", 4)
    order(session, site, "o2", "bob", "20", 4)
    outcome = ChurnOutcome(np.array([0.25, np.nan]), "half")
    report = compute_site_figures(session=session, site=site, now=NOW, churn_scores=lambda s, v: outcome)
    assert report.churn_evaluation == "half"
    assert {k: r["churn_risk"] for k, r in figures(session, site).items()} == {"alice": 0.25, "bob": None}
