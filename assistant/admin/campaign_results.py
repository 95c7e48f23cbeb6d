"""A campaign's experiment results per variant, formatted for reading, with the sample ratio check.

The always-valid (sequential) comparisons come first: a marketer reads this page whenever they like,
and only those hold at any look. The fixed-horizon ones stay below, labelled with what they promise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask import render_template

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.campaigns import campaign_or_404, site_or_404
from assistant.analytics.experiments import Arm, ExperimentResult, Settings, experiment_results
from assistant.analytics.stats import TOO_SMALL, Comparison
from assistant.db import get_session
from assistant.promotions.money import format_price
from assistant.promotions.settings import get_settings

METRICS = {"conversion_rate": "Conversion rate", "revenue_per_visitor": "Revenue per visitor"}


@dataclass(frozen=True)
class Difference:
    """One comparison with the baseline as the table shows it."""

    key: str
    metric: str
    baseline: str
    variant: str
    difference: str
    interval: str
    p_value: str
    verdict: str


@bp.get("/campaigns/<int:campaign_id>/results")
@login_required("marketer")
def campaign_results(campaign_id: int) -> str:
    """Per variant: impressions, clicks, conversions, revenue, and the difference to control."""
    site = site_or_404()
    campaign = campaign_or_404(site, campaign_id)
    settings = Settings()
    result = experiment_results(session=get_session(), site=site, campaign=campaign, settings=settings)
    style = get_settings(session=get_session(), site=site).price_style
    money = Money(result.currency, style)
    return render_template("admin/campaign_results.html", site=site, campaign=campaign, result=result,
                           settings=settings, money=money, percent=percent,
                           differences=differences(result, money, sequential=True),
                           fixed_differences=differences(result, money), too_small=TOO_SMALL)


@dataclass(frozen=True)
class Money:
    """Amounts in the site's currency and price style."""

    currency: str
    style: str

    def __call__(self, amount: float | None, signed: bool = False) -> str:
        """'€12.50' ('+€12.50' when signed), or '–' for no value."""
        if amount is None:
            return "–"
        text = format_price(Decimal(str(round(amount, 6))), self.currency, self.style)  # type: ignore[arg-type]
        return f"+{text}" if signed and amount > 0 else text


def percent(rate: float | None, signed: bool = False) -> str:
    """A rate as '12.3 %' (a difference as '+2.1 pp'), or '–' for no value."""
    if rate is None:
        return "–"
    if signed:
        return f"{100 * rate:+.1f} pp"
    return f"{100 * rate:.1f} %"


def p_text(p: float | None) -> str:
    """'p = 0.034', 'p < 0.001', or '–'."""
    if p is None:
        return "–"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def differences(result: ExperimentResult, money: Money, *, sequential: bool = False) -> list[Difference]:
    """Each non-baseline variant's comparisons (always-valid or fixed-horizon): conversion rate, then revenue."""
    rows = []
    for arm in result.arms:
        for comparison in _comparisons(arm, sequential):
            rows.append(_difference(arm.key, comparison, money))
    return rows


def _comparisons(arm: Arm, sequential: bool) -> list[Comparison]:
    pair = (arm.conversion_sequential, arm.revenue_sequential) if sequential else (arm.conversion, arm.revenue_change)
    return [c for c in pair if c is not None]


def _difference(key: str, c: Comparison, money: Money) -> Difference:
    show: Callable[..., str] = percent if c.metric == "conversion_rate" else money
    interval = "–"
    if c.ci_low is not None and c.ci_high is not None:
        interval = f"{show(c.ci_low, True)} to {show(c.ci_high, True)}"
    return Difference(key, METRICS.get(c.metric, c.metric), show(c.baseline), show(c.variant),
                      show(c.difference, True), interval, p_text(c.p_value), c.verdict)
