"""The nightly customer figures of one site: from its counted orders to one customer_figure row per customer.

Orders are read set-based (transactions), summarised in whole days (orders of one customer on one day
are one purchase, as in the BG/NBD and Gamma-Gamma papers), scored by RFM quintiles and named by the
segments file, valued by the shop formula and, when the shop's history allows a fit, by BG/NBD x
Gamma-Gamma fitted by maximum likelihood on that history (in weeks, the papers' unit). A shop with too
few customers or repeat buyers gets every figure but the probabilistic ones, and the report says why.
Churn risk comes from a scorer the caller passes (insight.churn's), else stays NULL. The rows replace
the site's previous ones in the caller's transaction, and insight_state's version moves so every
server process reloads its figures (insight.serving).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from assistant.catalog.money import exponent
from assistant.rawsql import RawSQL
from assistant.sites.models import Site

from . import bgnbd, gamma_gamma
from .activity import load_activity_rows
from .clv import expected_value, lifespan_from_churn
from .rfm import Rfm, rfm_scores
from .rfm_segments import default_path, load_segments
from .summary import Summary, summarise
from .transactions import SECONDS_PER_DAY, Transactions, load_transactions

Array = NDArray[np.float64]
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
MIN_CUSTOMERS = 30
MIN_REPEATERS = 10
MAX_LIFESPAN_YEARS = 10.0
NO_DROP_OUT = 1e-6
"""A fitted mean drop-out a / (a + b) below this is BG/NBD's no-drop-out edge (bgnbd.fit): P(alive) is 1 for
everyone there, which would pass every 'p_alive' condition's minimum and no maximum; it is stored as unknown."""


@dataclass(frozen=True)
class CustomerView:
    """What the run knows of every customer, in key order; what a churn scorer is given."""

    site: Site
    now: datetime
    keys: list[str]
    transactions: Transactions
    summary: Summary
    """In days, one row per key (summary.customer is the key's index)."""
    rfm: Rfm
    segment: NDArray[np.str_]
    p_alive: Array | None


@dataclass(frozen=True)
class ChurnOutcome:
    """A churn scorer's answer: each customer's risk in [0, 1] (NaN: not scored), or None, and what to tell."""

    risk: Array | None
    note: str = ""
    model: dict[str, Any] | None = None
    """The scorer's model as JSON, stored in insight_state.model["churn"] (insight.drivers explains with it)."""


ChurnScorer = Callable[[Session, CustomerView], "ChurnOutcome | Array"]
"""Given the session and the view, each customer's churn risk aligned to view.keys (or a ChurnOutcome)."""


def churn_scorer() -> ChurnScorer:
    """The nightly job's scorer: insight.churn's model, fitted on the shop's own history with its activity."""
    return score_with_churn_model


def score_with_churn_model(session: Session, view: CustomerView) -> ChurnOutcome:
    """insight.churn.churn_risk on the view's orders and activity (in days), aligned to its keys."""
    from . import churn  # scikit-learn: loaded by the nightly job only, never by serving
    from .features import Activity

    rows = load_activity_rows(session=session, site=view.site, keys=view.keys, until=view.now)
    activity = Activity(customer=rows.customer, time=rows.time / SECONDS_PER_DAY, kind=rows.kind)
    t = view.transactions
    run = churn.churn_risk(customer=t.customer, time=t.days(), amount=t.amount,
                           end=view.now.timestamp() / SECONDS_PER_DAY, activity=activity)
    if run.scores is None:
        return ChurnOutcome(None, f"churn risk not scored: {run.reason}")
    risk = np.full(len(view.keys), np.nan)
    risk[run.scores.customer] = run.scores.probability
    return ChurnOutcome(risk, run.evaluation.describe() if run.evaluation is not None else run.reason,
                        run.scores.model)


@dataclass
class InsightReport:
    """What one run computed for one site, for the `assistant train` line and the admin."""

    site: str
    customers: int = 0
    orders: int = 0
    segments: dict[str, int] = field(default_factory=dict)
    bgnbd: bgnbd.BgNbd | None = None
    gamma_gamma: gamma_gamma.GammaGamma | None = None
    lifespan_years: float = 0.0
    churn_scored: bool = False
    churn_model: dict[str, Any] | None = None
    """The churn model's parameters (churn.logistic_parameters), None when it was not fitted."""
    churn_evaluation: str = ""
    """The churn model's evaluation on the shop's own data (or why it was not scored), for the job to print."""
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    version: int = 0
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds per stage: read orders, RFM and models, churn, write."""

    def line(self) -> str:
        """One line: customers, segments, fitted parameters, notes, seconds."""
        segments = ", ".join(f"{name} {n}" for name, n in sorted(self.segments.items(), key=lambda s: -s[1]))
        fitted = "BG/NBD not fitted"
        if self.bgnbd:
            m = self.bgnbd
            drop_out = (f"one drop-out p {m.drop_out:.3g} for all (a, b -> inf)" if m.homogeneous
                        else f"a {m.a:.3f} b {m.b:.3f}")
            fitted = f"BG/NBD r {m.r:.3f} alpha {m.alpha:.3f} {drop_out}"
        if self.gamma_gamma:
            g = self.gamma_gamma
            fitted += f"; Gamma-Gamma p {g.p:.3f} q {g.q:.3f} gamma {g.gamma:.3f}"
        notes = f" ({'; '.join(self.notes)})" if self.notes else ""
        churn = "scored" if self.churn_scored else "not scored"
        return (f"{self.site}: {self.customers} customers, {self.orders} orders; {segments or 'no segments'}; "
                f"{fitted}; lifespan {self.lifespan_years:.1f} y; churn {churn}{notes} ({self.seconds:.1f} s)")


@dataclass(frozen=True)
class _Probabilistic:
    expected_purchases: Array
    p_alive: Array | None
    """None when the fit sees no drop-out (NO_DROP_OUT): P(alive) would be 1 for everyone."""
    expected_spend: Array | None
    clv: Array | None


def compute_site_figures(*, session: Session, site: Site, now: datetime, horizon_days: int = 365,
                         monthly_discount: float = 0.0, segments_path: Path | None = None,
                         churn_scores: ChurnScorer | None = None, min_customers: int = MIN_CUSTOMERS,
                         min_repeaters: int = MIN_REPEATERS) -> InsightReport:
    """Compute and store every customer's figures for `site` as of `now`; the caller commits."""
    if horizon_days < 1 or monthly_discount < 0:
        raise ValueError("need horizon_days >= 1 and monthly_discount >= 0")
    started = time.perf_counter()
    segment_map = load_segments(segments_path or default_path())
    t = load_transactions(session=session, site=site, until=now)
    lap = _Laps(started)
    report = InsightReport(site=site.key, customers=len(t.keys), orders=len(t), skipped=t.skipped)
    end = now.timestamp() / SECONDS_PER_DAY
    s = summarise(customer=t.customer, time=np.floor(t.days()), amount=t.amount, end=end)
    orders = np.bincount(t.customer, minlength=len(t.keys)).astype(float)
    revenue = np.bincount(t.customer, weights=t.amount, minlength=len(t.keys)).astype(float)
    first, last = _first_last(t)
    rfm = rfm_scores(days_since_last=(now.timestamp() - last) / SECONDS_PER_DAY, orders=orders, revenue=revenue)
    segment = segment_map.assign(rfm)
    report.segments = dict(zip(*np.unique(segment, return_counts=True), strict=True)) if segment.size else {}
    report.segments = {str(k): int(v) for k, v in report.segments.items()}
    tenure_years = (now.timestamp() - first) / SECONDS_PER_DAY / DAYS_PER_YEAR
    report.lifespan_years = _lifespan(report, tenure_years, s.since_last, horizon_days)
    lap("read orders", report)
    model = _fit(report, s, horizon_days, monthly_discount, min_customers, min_repeaters)
    lap("RFM and models", report)
    view = CustomerView(site, now, t.keys, t, s, rfm, segment, model.p_alive if model else None)
    churn = _churn(report, session, view, churn_scores)
    lap("churn", report)
    columns: dict[str, Any] = {
        "orders": orders, "revenue": revenue, "first": first, "last": last, "rfm": rfm, "segment": segment,
        "aov": np.divide(revenue, orders, out=np.zeros_like(revenue), where=orders > 0),
        "frequency": orders / np.maximum(tenure_years, 1.0), "model": model, "churn": churn}
    report.version = _write(session, site, now, t, columns, report, horizon_days)
    lap("write", report)
    report.seconds = time.perf_counter() - started
    return report


class _Laps:
    def __init__(self, started: float) -> None:
        self.last = started

    def __call__(self, stage: str, report: InsightReport) -> None:
        now = time.perf_counter()
        report.stages[stage] = now - self.last
        self.last = now


def _first_last(t: Transactions) -> tuple[Array, Array]:
    first = np.full(len(t.keys), np.inf)
    last = np.full(len(t.keys), -np.inf)
    np.minimum.at(first, t.customer, t.time)
    np.maximum.at(last, t.customer, t.time)
    return first, last


def _lifespan(report: InsightReport, tenure_years: Array, days_since_last: Array, horizon_days: int) -> float:
    """Years a customer stays: 1 / the share of customers older than a year who bought nothing in the last year."""
    older = tenure_years >= 1.0
    if not np.any(older):
        report.notes.append("no customer older than a year: lifespan taken as the horizon")
        return horizon_days / DAYS_PER_YEAR
    churn = float(np.mean(days_since_last[older] > DAYS_PER_YEAR))
    return min(lifespan_from_churn(churn), MAX_LIFESPAN_YEARS) if churn > 0 else MAX_LIFESPAN_YEARS


def _fit(report: InsightReport, s: Summary, horizon_days: int, monthly_discount: float, min_customers: int,
         min_repeaters: int) -> _Probabilistic | None:
    """BG/NBD (and Gamma-Gamma when it can be) fitted on the shop's history, or None with the reason noted."""
    repeaters = int(np.sum(s.frequency > 0))
    if len(s.customer) < min_customers or repeaters < min_repeaters:
        report.notes.append(f"too few customers to fit BG/NBD ({len(s.customer)} customers, {repeaters} repeat "
                            f"buyers; need {min_customers} and {min_repeaters})")
        return None
    x, t_x, big_t = s.frequency, s.recency / 7.0, s.T / 7.0
    try:
        report.bgnbd = fitted = bgnbd.fit(x, t_x, big_t)
    except ValueError as exc:
        report.notes.append(f"BG/NBD not fitted: {exc}")
        return None
    horizon = horizon_days / 7.0
    expected = bgnbd.conditional_expected_purchases(fitted, horizon, x, t_x, big_t)
    alive: Array | None = bgnbd.probability_alive(fitted, x, t_x, big_t)
    if fitted.a / (fitted.a + fitted.b) < NO_DROP_OUT:
        report.notes.append(f"P(alive) not stored: the shop's history shows no drop-out (BG/NBD's maximum is at "
                            f"a/(a+b) {fitted.a / (fitted.a + fitted.b):.0e}), so it is 1 for everyone")
        alive = None
    spend, clv = _spend_and_value(report, s, fitted, horizon_days, monthly_discount)
    return _Probabilistic(expected, alive, spend, clv)


def _spend_and_value(report: InsightReport, s: Summary, fitted: bgnbd.BgNbd, horizon_days: int,
                     monthly_discount: float) -> tuple[Array | None, Array | None]:
    paying = (s.frequency > 0) & (s.mean_spend > 0)
    try:
        report.gamma_gamma = spend_model = gamma_gamma.fit(s.frequency[paying], s.mean_spend[paying])
        spend = gamma_gamma.expected_spend(spend_model, s.frequency, s.mean_spend)
    except ValueError as exc:
        report.notes.append(f"Gamma-Gamma not fitted: {exc}")
        return None, None
    months = max(1, round(horizon_days / DAYS_PER_MONTH))
    clv = expected_value(fitted, spend_model, frequency=s.frequency, recency=s.recency / 7.0, T=s.T / 7.0,
                         mean_spend=s.mean_spend, months=months, monthly_discount=monthly_discount,
                         periods_per_month=horizon_days / 7.0 / months)
    return spend, clv


def _churn(report: InsightReport, session: Session, view: CustomerView, scorer: ChurnScorer | None) -> Array | None:
    if scorer is None or not view.keys:
        return None
    answer = scorer(session, view)
    outcome = answer if isinstance(answer, ChurnOutcome) else ChurnOutcome(np.asarray(answer, dtype=float))
    report.churn_evaluation = outcome.note
    if outcome.risk is None:
        report.notes.append(outcome.note.splitlines()[0] if outcome.note else "churn risk not scored")
        return None
    risk = np.asarray(outcome.risk, dtype=float)
    scored = risk[~np.isnan(risk)] if risk.ndim == 1 else risk
    if risk.shape != (len(view.keys),) or not np.all((scored >= 0) & (scored <= 1)):
        raise ValueError(f"the churn scorer must give one risk in [0, 1] (or NaN) per customer ({len(view.keys)})")
    report.churn_scored = True
    report.churn_model = outcome.model
    return np.where(np.isnan(risk), np.nan, risk)


def _write(session: Session, site: Site, now: datetime, t: Transactions, c: dict[str, Any], report: InsightReport,
           horizon_days: int) -> int:
    """Replace the site's figures with these, set-based, and move its insight_state version; the new version."""
    raw = RawSQL(session)
    scale = 10 ** exponent(site.currency)
    model: _Probabilistic | None = c["model"]
    lifespan = report.lifespan_years
    n = len(t.keys)
    nulls: list[None] = [None] * n
    columns = [
        [site.pk] * n, t.keys, t.customer_ids, c["orders"].astype(int).tolist(),
        np.rint(c["revenue"] * scale).astype(np.int64).tolist(),
        _times(raw, c["first"]), _times(raw, c["last"]),
        c["rfm"].recency.tolist(), c["rfm"].frequency.tolist(), c["rfm"].monetary.tolist(), c["segment"].tolist(),
        c["aov"].tolist(), c["frequency"].tolist(), [lifespan] * n, (c["aov"] * c["frequency"] * lifespan).tolist(),
        model.expected_purchases.tolist() if model else nulls, _listed(model.p_alive if model else None, nulls),
        _listed(model.expected_spend if model else None, nulls), _listed(model.clv if model else None, nulls),
        _listed(c["churn"], nulls), [raw.time(now)] * n,
    ]
    raw.run("DELETE FROM customer_figure WHERE site_id = ?", (site.pk,))
    names = ("site_id, customer_key, customer_id, orders, revenue_minor, first_order_at, last_order_at, "
             "recency_score, frequency_score, monetary_score, segment, average_order_value, purchase_frequency, "
             "expected_lifespan, simple_clv, expected_purchases, p_alive, expected_spend, clv, churn_risk, "
             "computed_at")
    if n:
        raw.cursor.executemany(raw.sql(f"INSERT INTO customer_figure ({names}) VALUES ({', '.join('?' * 21)})"),
                               list(zip(*columns, strict=True)))
    return _bump_state(raw, site, now, report, horizon_days)


def _listed(values: Array | None, nulls: list[None]) -> list[Any]:
    if values is None:
        return nulls
    return [None if v != v else v for v in values.tolist()]  # NaN (not computed) is stored as NULL


def _times(raw: RawSQL, epoch: Array) -> list[Any]:
    """Epoch seconds as the timestamp columns take them (SQLite: SQLAlchemy's text; PostgreSQL: datetimes)."""
    stamps = np.round(epoch * 1e6).astype("datetime64[us]")
    if raw.postgres:
        return [value.replace(tzinfo=UTC) for value in stamps.tolist()]
    return [text.replace("T", " ") for text in np.datetime_as_string(stamps, unit="us").tolist()]


def _bump_state(raw: RawSQL, site: Site, now: datetime, report: InsightReport, horizon_days: int) -> int:
    model = {"bgnbd": _params(report.bgnbd), "gamma_gamma": _params(report.gamma_gamma), "notes": report.notes,
             "segments": report.segments, "lifespan_years": report.lifespan_years,
             "churn_scored": report.churn_scored, "churn": report.churn_model}
    cast = "?::json" if raw.postgres else "?"
    before = raw.run("SELECT version FROM insight_state WHERE site_id = ?", (site.pk,)).fetchone()
    # microseconds of the run, and always above the last: a site deleted and computed again never repeats one
    version = max(int(before[0]) + 1 if before else 1, time.time_ns() // 1000)
    raw.run("INSERT INTO insight_state (site_id, version, computed_at, horizon_days, customers, model) "
            f"VALUES (?, ?, ?, ?, ?, {cast}) ON CONFLICT (site_id) DO UPDATE SET version = excluded.version,"
            " computed_at = excluded.computed_at, horizon_days = excluded.horizon_days,"
            " customers = excluded.customers, model = excluded.model",
            (site.pk, version, raw.time(now), horizon_days, report.customers, raw.json_param(model)))
    return version


def _params(fitted: Any) -> dict[str, float] | None:
    return None if fitted is None else {k: float(v) for k, v in vars(fitted).items()}

