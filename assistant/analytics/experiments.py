"""Per-variant results of a campaign from tracked events, each variant compared with the control arm.

Exposure: a visitor's first `promo_impression` of the campaign puts them in that event's variant
(later impressions in another variant are counted in `mixed_visitors`, not moved). Clicks are
`promo_click` events. A conversion is a purchase by the same visitor after their first exposure,
in a visit where they were exposed or within `window_days` after the first exposure (None: the
visit only). Purchases are those tracking.purchases counts: the shop's verified orders when it sends
them, else browser claims without conflicts. Rates are per exposed visitor; the statistics are
described in `stats`: each comparison twice, always-valid (`sequential`, valid at any look) and
fixed-horizon (valid at one look at a size fixed in advance).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from assistant.catalog.money import to_major
from assistant.promotions.bandit import Arm as Allocated
from assistant.promotions.bandit import serving_shares
from assistant.promotions.events import CLICK, IMPRESSION, parse_ref, ref_for
from assistant.promotions.models import Campaign, Variant
from assistant.sites.models import Site
from assistant.timeutil import as_utc
from assistant.tracking.models import Event
from assistant.tracking.purchases import counted_purchases

from .sequential import DEFAULT_TUNING
from .stats import (
    MEAN_METHOD,
    RATE_METHOD,
    SEQUENTIAL_METHOD,
    SRM_METHOD,
    Comparison,
    Srm,
    compare_means,
    compare_means_sequential,
    compare_rates,
    compare_rates_sequential,
    srm_check,
)

CHUNK = 500


@dataclass(frozen=True)
class Settings:
    """How results are attributed and judged."""

    window_days: int | None = 7
    confidence: float = 0.95
    min_visitors: int = 100
    """Fewer exposed visitors than this in an arm: too small to tell."""
    sequential_tuning: int = DEFAULT_TUNING
    """N* of the always-valid test: the visitors (both arms) at which its interval is narrowest."""


@dataclass
class Arm:
    """The numbers of one variant."""

    key: str
    control: bool
    weight: int
    share: float = 0.0
    """The share of new visitors the arm gets now (by weight, or the bandit's latest share)."""
    visitors: int = 0
    impressions: int = 0
    clicks: int = 0
    clickers: int = 0
    conversions: int = 0
    orders: int = 0
    revenue: float = 0.0
    click_rate: float | None = None
    conversion_rate: float | None = None
    revenue_per_visitor: float | None = None
    average_order_value: float | None = None
    conversion: Comparison | None = None
    """Fixed-horizon comparisons with the baseline (valid at one look at a size fixed in advance)."""
    revenue_change: Comparison | None = None
    conversion_sequential: Comparison | None = None
    """Always-valid comparisons with the baseline (valid whenever one looks)."""
    revenue_sequential: Comparison | None = None


@dataclass
class ExperimentResult:
    """Every arm's numbers, the comparisons with the baseline, and the sample ratio check."""

    campaign_id: int
    currency: str
    baseline: str | None
    baseline_is_control: bool
    arms: list[Arm]
    srm: Srm | None
    mixed_visitors: int
    attribution: str
    allocation: str = "fixed"
    """'fixed' or 'bandit' (shares move; the sample ratio check is then the control's fixed share alone)."""
    methods: dict[str, str] = field(default_factory=lambda: {"conversion_rate": RATE_METHOD,
                                                             "revenue_per_visitor": MEAN_METHOD, "srm": SRM_METHOD,
                                                             "sequential": SEQUENTIAL_METHOD})

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON object."""
        return asdict(self)


@dataclass
class _Visitor:
    variant: str
    first: datetime
    visits: set[int | None]
    clicked: bool = False
    converted: bool = False
    orders: int = 0
    revenue_minor: int = 0


def experiment_results(*, session: Session, site: Site, campaign: Campaign, settings: Settings | None = None,
                       since: datetime | None = None, until: datetime | None = None) -> ExperimentResult:
    """The campaign's results per variant, between `since` and `until` when given."""
    settings = settings or Settings()
    variants = list(session.execute(select(Variant).where(col(Variant.campaign_id) == campaign.pk)
                                 .order_by(col(Variant.id))).scalars())
    arms = {v.key: Arm(v.key, v.is_control, v.weight) for v in variants}
    visitors, mixed = _exposures(session, site, campaign, arms, since, until)
    _attribute_purchases(session, site, visitors, settings.window_days)
    for person in visitors.values():
        arm = arms[person.variant]
        arm.visitors += 1
        arm.clickers += person.clicked
        arm.conversions += person.converted
        arm.orders += person.orders
        arm.revenue += to_major(person.revenue_minor, site.currency)
    baseline = next((a for a in arms.values() if a.control), next(iter(arms.values()), None))
    _finish(arms, visitors, baseline, site.currency, settings)
    bandit = campaign.allocation == "bandit"
    shares = serving_shares([Allocated(v.key, v.weight, v.is_control) for v in variants], bandit=bandit,
                            stored=campaign.serving_weights)
    for arm, share in zip(arms.values(), shares, strict=True):
        arm.share = share
    srm = _control_srm(list(arms.values())) if bandit else srm_check([a.visitors for a in arms.values()],
                                                                     [a.weight for a in arms.values()])
    window = f"within {settings.window_days} days of" if settings.window_days is not None else "in the visit of"
    result = ExperimentResult(campaign.pk, site.currency, baseline.key if baseline else None,
                              bool(baseline and baseline.control), list(arms.values()), srm, mixed,
                              f"a purchase by the same visitor in an exposed visit or {window} first exposure")
    result.methods["sequential"] = SEQUENTIAL_METHOD.format(tuning=settings.sequential_tuning)
    result.allocation = campaign.allocation
    return result


def _control_srm(arms: list[Arm]) -> Srm | None:
    """Under a bandit only the control's share is fixed: its visitors against everyone else's."""
    control = next((a for a in arms if a.control), None)
    if control is None or control.share <= 0 or control.share >= 1:
        return None
    others = sum(a.visitors for a in arms if a is not control)
    return srm_check([control.visitors, others], [control.share, 1 - control.share])


def _exposures(session: Session, site: Site, campaign: Campaign, arms: dict[str, Arm], since: datetime | None,
               until: datetime | None) -> tuple[dict[int, _Visitor], int]:
    ref = ref_for(campaign.pk)
    query = (select(col(Event.type), col(Event.visitor_id), col(Event.session_id), col(Event.occurred_at),
                    col(Event.ref), col(Event.data))
             .where(col(Event.site_id) == site.id, col(Event.type).in_([IMPRESSION, CLICK]),
                    col(Event.ref).is_not(None),  # lets SQLite use the partial ref index under the OR
                    or_(col(Event.ref) == ref, col(Event.ref).like(f"{ref}:%")))
             .order_by(col(Event.occurred_at), col(Event.id)))
    if since is not None:
        query = query.where(col(Event.occurred_at) >= since)
    if until is not None:
        query = query.where(col(Event.occurred_at) < until)
    visitors: dict[int, _Visitor] = {}
    mixed: set[int] = set()
    for kind, visitor_id, visit, at, event_ref, data in session.execute(query):
        _, variant = parse_ref(event_ref, data)
        if variant not in arms:
            continue
        person = visitors.get(visitor_id)
        if kind == IMPRESSION:
            arms[variant].impressions += 1
            if person is None:
                visitors[visitor_id] = person = _Visitor(variant, as_utc(at), set())
            elif person.variant != variant:
                mixed.add(visitor_id)
            person.visits.add(visit)
        elif person is not None:
            arms[person.variant].clicks += 1
            person.clicked = True
    return visitors, len(mixed)


def _attribute_purchases(session: Session, site: Site, visitors: dict[int, _Visitor], window_days: int | None) -> None:
    window = timedelta(days=window_days) if window_days is not None else None
    for bought in counted_purchases(session=session, site=site, visitor_ids=list(visitors)):
        person, when = visitors[bought.visitor_id], bought.occurred_at
        if when < person.first:
            continue
        if bought.session_id in person.visits or (window is not None and when <= person.first + window):
            person.converted = True
            person.orders += 1
            person.revenue_minor += bought.value_minor


def _finish(arms: dict[str, Arm], visitors: dict[int, _Visitor], baseline: Arm | None, currency: str,
            settings: Settings) -> None:
    revenue: dict[str, list[float]] = {key: [] for key in arms}
    for person in visitors.values():
        revenue[person.variant].append(to_major(person.revenue_minor, currency))
    for arm in arms.values():
        if arm.visitors:
            arm.click_rate = arm.clickers / arm.visitors
            arm.conversion_rate = arm.conversions / arm.visitors
            arm.revenue_per_visitor = arm.revenue / arm.visitors
        arm.average_order_value = arm.revenue / arm.orders if arm.orders else None
        if baseline is None or arm is baseline:
            continue
        arm.conversion = compare_rates((arm.conversions, arm.visitors), (baseline.conversions, baseline.visitors),
                                       confidence=settings.confidence, min_visitors=settings.min_visitors)
        arm.revenue_change = compare_means(revenue[arm.key], revenue[baseline.key], confidence=settings.confidence,
                                           min_visitors=settings.min_visitors)
        arm.conversion_sequential = compare_rates_sequential(
            (arm.conversions, arm.visitors), (baseline.conversions, baseline.visitors), confidence=settings.confidence,
            tuning=settings.sequential_tuning, min_visitors=settings.min_visitors)
        arm.revenue_sequential = compare_means_sequential(
            revenue[arm.key], revenue[baseline.key], confidence=settings.confidence, tuning=settings.sequential_tuning,
            min_visitors=settings.min_visitors)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]
