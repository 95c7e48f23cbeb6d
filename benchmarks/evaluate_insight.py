"""Customer insight on Online Retail II 2009-2010: churn risk, lifetime value and RFM beside their baselines.

    .venv/bin/python -m benchmarks.evaluate_insight              # about 30 s (the import: 10-15 s)

Protocol (issue 14): calibration = orders up to 2010-06-30 (London time), holdout = 2010-07-01 to the end
of the file (2010-12-09); the customers are those with an order in the calibration period.

- Churn: "no order in the holdout". Ours is `insight.churn.churn_risk` exactly as the nightly job calls
  it (its default 90-day horizon, fitted on the calibration period's own inner time split; nothing was
  chosen on the holdout), against recency alone and 1 - P(alive) of BG/NBD fitted on the calibration.
  The model's probabilities are for 90 days, so their Brier score is taken on the holdout's first 90 days.
- CLV: revenue per customer in the holdout, predicted by the shop formula (`clv.simple_clv` per customer:
  order value x orders per month x the holdout's months) and by BG/NBD x Gamma-Gamma (`clv.expected_value`
  over the holdout), against what each customer spent.
- RFM: the calibration's R, F and M quintile scores, and holdout revenue per customer by R + F + M; the
  segments (rules/rfm_segments.yaml) computed twice, the second time from the customers shuffled.

Orders come through `load_orders`: `assistant history import`'s own code with its Online Retail layout
(invoices C and A left out, lines of quantity below 1 left out, London times stored as UTC, one order per
invoice) into a fresh SQLite database, read back by `insight.transactions.load_transactions` as
`assistant train` reads them (days since the epoch). Data is read from ../shared/data (or
$ASSISTANT_SHARED_DATA) and never copied into the repository.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from scipy.stats import spearmanr
from sqlmodel import Session
from threadpoolctl import threadpool_limits

from assistant import migrate, safe_yaml
from assistant.db import make_engine
from assistant.insight import bgnbd, clv, gamma_gamma, rfm, rfm_segments
from assistant.insight.churn import ChurnEvaluation, churn_risk, evaluate_churn, labels, p_alive_at
from assistant.insight.features import churn_features
from assistant.insight.summary import Summary, summarise
from assistant.insight.transactions import load_transactions
from assistant.sites.service import create_site
from assistant.tracking.history import import_history
from assistant.tracking.history_mapping import HistoryMapping, layout_path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ASSISTANT_SHARED_DATA", ROOT / ".." / "shared" / "data"))
RETAIL = DATA / "online_retail_uci" / "online_retail_II_2009-12_2010-12.csv.gz"
LONDON = ZoneInfo("Europe/London")
SECONDS_PER_DAY = 86400.0
DAYS_PER_MONTH = 365.25 / 12
CALIBRATION_END = datetime(2010, 7, 1, tzinfo=LONDON).timestamp() / SECONDS_PER_DAY
"""The first instant of 2010-07-01 in London: orders strictly before it are the calibration period."""
HORIZON = 90.0


@dataclass(frozen=True)
class Orders:
    """One row per order: customer id, time in days since the epoch (UTC), value in pounds."""

    customer: NDArray[np.int64]
    time: NDArray[np.float64]
    amount: NDArray[np.float64]
    stored: int = 0
    """Orders the history import stored (with or without a customer)."""
    anonymous: int = 0

    @property
    def end(self) -> float:
        """The time of the last order in the file: the holdout's end."""
        return float(self.time.max())


def load_orders(path: Path = RETAIL) -> Orders:
    """The file through the history import into a fresh SQLite database, read back as the nightly job reads it.

    `assistant history import FILE --layout online-retail` is `import_history` with the shipped layout;
    `load_transactions` is what `assistant train` reads a site's orders with. No row is written any other way.
    """
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'insight.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                site = create_site(session=session, name="Online Retail II", origins=["https://retail.example"],
                                   currency="GBP", key="pk_online_retail")
                session.commit()
                mapping = HistoryMapping.from_dict(safe_yaml.load(safe_yaml.read_text(layout_path("online-retail"))))
                report = import_history(session=session, site=site, path=path, mapping=mapping)
                if report.problem is not None:
                    raise SystemExit(f"history import stopped: {report.problem}")
                orders = load_transactions(session=session, site=site)
        finally:
            engine.dispose()
    return Orders(orders.customer.astype(np.int64), orders.days(), orders.amount.astype(float),
                  report.stored, report.anonymous)


@dataclass(frozen=True)
class ChurnComparison:
    """Churn in the holdout: ours and the baselines ranked on the same customers, and the calibration check."""

    holdout: ChurnEvaluation
    boosting: ChurnEvaluation | None
    inner: ChurnEvaluation | None
    """The evaluation churn_risk made inside the calibration period (what the nightly job prints)."""
    first_horizon: ChurnEvaluation
    """Our probabilities against churn in the holdout's first 90 days: the event they are probabilities of."""
    expected_purchases_auc: float
    """Extra baseline: BG/NBD's expected holdout purchases (fewer = riskier), ROC AUC."""


def compare_churn(orders: Orders, *, end: float = CALIBRATION_END, boosting: bool = True) -> ChurnComparison:
    """Ours against recency and 1 - P(alive) on the customers active up to `end`, churn = no order after it.

    With `boosting`, the gradient-boosting alternative is scored too, for the comparison behind the choice.
    """
    before = orders.time < end
    calibration = Orders(orders.customer[before], orders.time[before], orders.amount[before])  # what `end` saw
    evaluations = {}
    for model in ("logistic", "boosting") if boosting else ("logistic",):
        with threadpool_limits(limits=1, user_api="openmp"):  # boosting's threads spin on a busy machine (25x)
            run = churn_risk(customer=calibration.customer, time=calibration.time, amount=calibration.amount,
                             end=end, horizon=HORIZON, model=model)
        if run.scores is None:
            raise SystemExit(f"churn risk not computed: {run.reason}")
        evaluations[model] = run
    scores = evaluations["logistic"].scores
    assert scores is not None
    figures = churn_features(customer=calibration.customer, time=calibration.time, amount=calibration.amount, at=end)
    churned = labels(figures.customer, customer=orders.customer, time=orders.time, after=end, until=orders.end)
    alive, note = p_alive_at(figures)
    rate = scores.training_churn_rate
    since_last = figures.summary.since_last

    def judge(risk: NDArray[np.float64], y: NDArray[np.bool_] = churned) -> ChurnEvaluation:
        return evaluate_churn(y, risk=risk, days_since_last=since_last, p_alive=alive, p_alive_note=note,
                              base_rate=rate)

    other = evaluations["boosting"].scores if boosting else None
    soon = labels(figures.customer, customer=orders.customer, time=orders.time, after=end, until=end + HORIZON)
    return ChurnComparison(judge(scores.probability), judge(other.probability) if other is not None else None,
                           evaluations["logistic"].evaluation, judge(scores.probability, soon),
                           _expected_purchases_auc(figures.summary, churned, orders.end - end))


def _expected_purchases_auc(figures: Summary, churned: NDArray[np.bool_], length: float) -> float:
    from sklearn.metrics import roc_auc_score

    fitted = bgnbd.fit(figures.frequency, figures.recency, figures.T)
    expected = bgnbd.conditional_expected_purchases(fitted, length, figures.frequency, figures.recency, figures.T)
    return float(roc_auc_score(churned, -expected))


@dataclass(frozen=True)
class ValueRow:
    """One way of predicting each customer's holdout revenue, judged against what they spent."""

    name: str
    spearman: float
    total_error: float
    """(predicted total - actual total) / actual total."""


def compare_value(orders: Orders, *, end: float = CALIBRATION_END) -> tuple[list[ValueRow], list[str]]:
    """Holdout revenue per customer predicted by the shop formula and by BG/NBD x Gamma-Gamma, against the actual.

    The model is fitted twice: on whole days in weeks, as `assistant train` summarises (insight.nightly),
    and on the orders' own times; a fit that fails is reported, not hidden.
    """
    figures = summarise(customer=orders.customer, time=orders.time, amount=orders.amount, end=end - 1e-9)
    length = orders.end - end
    actual = _holdout_revenue(orders, figures.customer, end)
    months = length / DAYS_PER_MONTH
    shop = np.array([clv.simple_clv(revenue=[r], orders=[o], periods=max(t, DAYS_PER_MONTH) / DAYS_PER_MONTH,
                                    lifespan=months).value
                     for r, o, t in zip(figures.revenue, figures.orders, figures.T, strict=True)])
    rows = [_value_row("shop formula (clv.simple_clv per customer)", shop, actual)]
    notes = []
    whole = summarise(customer=orders.customer, time=np.floor(orders.time), amount=orders.amount, end=end - 1e-9)
    for name, s, unit in (("BG/NBD x Gamma-Gamma, whole days (nightly)", whole, 7.0),
                          ("BG/NBD x Gamma-Gamma, at the orders' times", figures, 7.0)):
        try:
            purchases = bgnbd.fit(s.frequency, s.recency / unit, s.T / unit)
            spend = gamma_gamma.fit(s.frequency, s.mean_spend)
            predicted = clv.expected_value(purchases, spend, frequency=s.frequency, recency=s.recency / unit,
                                           T=s.T / unit, mean_spend=s.mean_spend, months=1, monthly_discount=0.0,
                                           periods_per_month=length / unit)
        except ValueError as exc:
            notes.append(f"{name}: not fitted ({exc})")
            continue
        rows.append(_value_row(name, predicted, actual))
        alive = bgnbd.probability_alive(purchases, s.frequency, s.recency / unit, s.T / unit)
        notes.append(f"{name}: BG/NBD r {purchases.r:.3f}, alpha {purchases.alpha:.3f} weeks, a {purchases.a:.3g}, "
                     f"b {purchases.b:.3g} (P(alive) from {alive.min():.6f}, median {np.median(alive):.6f}); "
                     f"Gamma-Gamma p {spend.p:.3f}, q {spend.q:.3f}, gamma {spend.gamma:.1f}")
    return rows, notes


def _value_row(name: str, predicted: NDArray[np.float64], actual: NDArray[np.float64]) -> ValueRow:
    return ValueRow(name, float(spearmanr(predicted, actual).statistic), float(predicted.sum() / actual.sum() - 1))


def _holdout_revenue(orders: Orders, customers: NDArray[np.int64], end: float) -> NDArray[np.float64]:
    later = orders.time >= end
    index = np.searchsorted(customers, orders.customer[later])
    known = (index < len(customers)) & (customers[np.minimum(index, len(customers) - 1)] == orders.customer[later])
    return np.bincount(index[known], weights=orders.amount[later][known], minlength=len(customers)).astype(float)


@dataclass(frozen=True)
class RfmCheck:
    """Holdout revenue per customer by R + F + M score, and whether two runs gave the same segment sizes."""

    by_score: list[tuple[int, int, float]]
    """(R + F + M, customers, mean holdout revenue)."""
    spearman: float
    """Spearman rho between a customer's R + F + M and their holdout revenue."""
    segments: dict[str, int]
    stable: bool


def check_rfm(orders: Orders, *, end: float = CALIBRATION_END) -> RfmCheck:
    """RFM scores of the calibration period against holdout revenue; segments re-run on shuffled customers."""
    figures = summarise(customer=orders.customer, time=orders.time, amount=orders.amount, end=end - 1e-9)
    actual = _holdout_revenue(orders, figures.customer, end)
    mapping = rfm_segments.load_segments(rfm_segments.default_path())
    first = _segment_sizes(figures, mapping, np.arange(len(figures.customer)))
    second = _segment_sizes(figures, mapping, np.random.default_rng(7).permutation(len(figures.customer)))
    scores = rfm.rfm_scores(days_since_last=figures.since_last, orders=figures.orders, revenue=figures.revenue)
    total = scores.recency.astype(int) + scores.frequency + scores.monetary
    by_score = [(int(s), int((total == s).sum()), float(actual[total == s].mean())) for s in np.unique(total)]
    return RfmCheck(by_score, float(spearmanr(total, actual).statistic), first, first == second)


def _segment_sizes(figures: Summary, mapping: rfm_segments.SegmentMap, order: NDArray[np.intp]) -> dict[str, int]:
    scores = rfm.rfm_scores(days_since_last=figures.since_last[order], orders=figures.orders[order],
                            revenue=figures.revenue[order])
    names, counts = np.unique(mapping.assign(scores), return_counts=True)
    return {str(n): int(c) for n, c in zip(names, counts, strict=True)}


def main() -> None:
    """Print the three comparisons."""
    if not RETAIL.exists():
        raise SystemExit(f"shared data not found at {RETAIL} (set ASSISTANT_SHARED_DATA)")
    started = time.perf_counter()
    orders = load_orders()
    print(f"Online Retail II 2009-2010 through the history import: {orders.stored:,} orders stored "
          f"({orders.anonymous:,} without a customer id); {len(orders.customer):,} orders of "
          f"{len(np.unique(orders.customer)):,} customers read back; calibration to 2010-06-30, holdout "
          f"{date(2010, 7, 1)} .. {date.fromtimestamp(orders.end * SECONDS_PER_DAY)}")
    churn = compare_churn(orders)
    _print_churn(churn)
    rows, notes = compare_value(orders)
    print("\nCLV: predicted vs actual holdout revenue per customer (customers active in calibration)")
    print(f"| {'prediction':44} | Spearman rho | total error |\n|{'-' * 46}|--------------|-------------|")
    for row in rows:
        print(f"| {row.name:44} | {row.spearman:12.3f} | {row.total_error:+11.1%} |")
    print("\n".join(notes))
    _print_rfm(check_rfm(orders))
    print(f"\n{time.perf_counter() - started:.1f} s")


def _print_churn(churn: ChurnComparison) -> None:
    e = churn.holdout
    print(f"\nChurn: no order in the holdout, {e.customers:,} customers active in calibration, {e.churned:,} churned")
    print(f"| {'churn score':44} | ROC AUC | PR AUC |\n|{'-' * 46}|---------|--------|")
    rankers = [("ours: churn_risk (logistic, 90-day horizon)", e.model)]
    if churn.boosting is not None:
        rankers.append(("ours, boosting instead (comparison)", churn.boosting.model))
    rankers.append(("recency alone", e.recency))
    if e.p_alive is not None:
        rankers.append(("1 - P(alive), BG/NBD", e.p_alive))
    for name, ranking in rankers:
        print(f"| {name:44} | {ranking.roc_auc:7.3f} | {ranking.pr_auc:6.3f} |")
    if e.p_alive is None:
        print(f"1 - P(alive): not available ({e.p_alive_note})")
    print(f"extra baseline, BG/NBD expected holdout purchases: ROC AUC {churn.expected_purchases_auc:.3f}")
    soon = churn.first_horizon
    print(f"calibration on the holdout's first 90 days ({soon.churned:,} churned): Brier {soon.brier:.4f} "
          f"(constant training rate {soon.brier_constant:.4f})")
    print("  reliability (mean predicted -> observed, per decile): "
          + ", ".join(f"{p:.2f}->{o:.2f}" for p, o, _ in soon.reliability))
    if churn.inner is not None:
        print("inner split inside the calibration period, as the nightly job prints it:")
        print(churn.inner.describe())


def _print_rfm(check: RfmCheck) -> None:
    print(f"\nRFM: holdout revenue per customer by R + F + M (Spearman rho over customers {check.spearman:.3f})")
    print("| R+F+M | customers | mean holdout revenue |\n|---|---|---|")
    for score, count, mean in check.by_score:
        print(f"| {score} | {count} | {mean:,.0f} |")
    sizes = ", ".join(f"{name} {count}" for name, count in sorted(check.segments.items(), key=lambda kv: -kv[1]))
    means = [mean for _, _, mean in check.by_score]
    rises = all(b > a for a, b in zip(means, means[1:], strict=False))
    print(f"mean holdout revenue rises at every step of the score: {'yes' if rises else 'NO'}")
    print(f"segments: {sizes}; same sizes when re-run on shuffled customers: {'yes' if check.stable else 'NO'}")


if __name__ == "__main__":
    main()
