"""The live preview: a sample visitor described in small fields, each variant rendered for them; the audience."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from assistant.admin.campaign_checks import read_conditions
from assistant.admin.campaign_forms import CampaignForm, blank_row, row_name
from assistant.catalog.indexes import CatalogIndexes
from assistant.catalog.money import to_minor
from assistant.insight.models import CustomerFigure
from assistant.numbers import MAX_AMOUNT, NotANumber, decimal_number, whole_number
from assistant.promotions.audience import Audience, audience_count
from assistant.promotions.gap import free_shipping_gap
from assistant.promotions.models import VariantIn
from assistant.promotions.money import format_price, from_minor
from assistant.promotions.render import TemplateProblem
from assistant.promotions.rules import DEVICES, evaluate, validate_conditions
from assistant.promotions.service import message_context, preview
from assistant.promotions.settings import PromoSettings, get_settings
from assistant.promotions.snapshot import VisitorSnapshot, sample_snapshot
from assistant.sites.models import Site
from assistant.timeutil import utcnow

AUDIENCE_DAYS = 7
MAX_SAMPLE_COUNT = 10_000
SAMPLE = {"sample.cart_value": "42.00", "sample.cart_items": "2", "sample.first_name": "Alex",
          "sample.device": "desktop", "sample.visits": "1", "sample.quiz": "", "sample.utm_source": "",
          "sample.viewed": "", "sample.segment": "", "sample.clv": "", "sample.churn_risk": "", "sample.p_alive": "",
          "sample.customer": ""}
_QUIZ = re.compile(r"^\s*([^/=\s]+)\s*/\s*([^/=\s]+)\s*=\s*(\S.*?)\s*$")


@dataclass(frozen=True)
class Card:
    """One variant as the widget would show it: its text, or why it cannot be shown."""

    row: int
    key: str
    control: bool = False
    text: str = ""
    problem: str = ""
    cta: dict[str, str] = field(default_factory=dict)
    items: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    """The sample visitor's cart and targeting verdict, and one card per variant."""

    cards: list[Card]
    cart: str
    threshold: str | None
    gap: str
    matches: bool | None
    """Whether the sample visitor matches the targeting; None while the conditions have problems."""
    errors: dict[str, str]
    """Problems of the sample fields, by field name."""
    customer: str = ""
    """The real customer the sample stands for, with the figures taken from them ("" when none)."""


def sample_values(posted: Mapping[str, str]) -> dict[str, str]:
    """The sample visitor's fields as typed (defaults where none were sent)."""
    return {name: str(posted.get(name, default)) for name, default in SAMPLE.items()}


def build_preview(*, session: Session, site: Site, form: CampaignForm, sample: Mapping[str, str],
                  catalogs: CatalogIndexes) -> Preview:
    """Render every variant of the form for the sample visitor (the gap's product from `catalogs`)."""
    settings = get_settings(session=session, site=site)
    sample, customer_error = with_customer_figures(session=session, site=site, sample=sample)
    snapshot, errors = sample_snapshot_of(sample, site.currency)
    if customer_error:
        errors["sample.customer"] = customer_error
    cards = [_card(session, site, form, row, snapshot, catalogs) for row in range(form.rows)
             if not blank_row(form, row)]
    if any(c.cta.get("kind") == "products" for c in cards):
        items = _items(session, site, snapshot, settings, catalogs)
        cards = [replace(c, items=items) if c.cta.get("kind") == "products" else c for c in cards]
    threshold = settings.free_shipping_threshold
    gap = free_shipping_gap(snapshot.cart_value_minor, to_minor(threshold, site.currency) if threshold is not None
                            else None)
    money = _money(site.currency, settings)
    return Preview(cards, money(from_minor(snapshot.cart_value_minor, site.currency)),
                   money(threshold) if threshold is not None else None, money(from_minor(gap, site.currency)),
                   _matches(form.value("conditions"), snapshot), errors, _customer_line(sample, snapshot))


def sample_snapshot_of(sample: Mapping[str, str], currency: str) -> tuple[VisitorSnapshot, dict[str, str]]:
    """The snapshot of the visitor described in the sample fields, and the problems of those fields."""
    errors: dict[str, str] = {}
    cart_value = sample.get("sample.cart_value", "").strip() or "0"
    try:
        to_minor(decimal_number(cart_value), currency)
    except ValueError:
        errors["sample.cart_value"] = "must be an amount such as 42.50"
        cart_value = "0"
    device = sample.get("sample.device", "desktop")
    quiz, quiz_error = _quiz(sample.get("sample.quiz", ""))
    if quiz_error:
        errors["sample.quiz"] = quiz_error
    visits = _count(sample, "sample.visits", 1, errors)
    viewed = tuple(s for s in re.split(r"[\s,]+", sample.get("sample.viewed", "")) if s)
    snapshot = sample_snapshot(currency=currency, cart_value=cart_value, anon_id="preview-visitor",
                               cart_items=_count(sample, "sample.cart_items", 0, errors),
                               first_name=sample.get("sample.first_name", "").strip()[:100] or None,
                               device=device if device in DEVICES else "desktop", visits=visits, is_new=visits <= 1,
                               quiz=quiz, utm_source=sample.get("sample.utm_source", "").strip()[:200],
                               viewed_skus=viewed[:20], **_figures(sample, errors))
    return snapshot, errors


def _figures(sample: Mapping[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The sample customer's nightly figures as typed (blank: unknown, as for a visitor without them)."""
    segment = sample.get("sample.segment", "").strip()[:64]
    figures: dict[str, Any] = {"segments": frozenset([segment]) if segment else frozenset()}
    for name, high in (("clv", MAX_AMOUNT), ("churn_risk", Decimal(1)), ("p_alive", Decimal(1))):
        typed = sample.get(f"sample.{name}", "").strip()
        try:
            figures[name] = float(decimal_number(typed, high=high)) if typed else None
        except NotANumber as exc:
            errors[f"sample.{name}"] = str(exc)
    return figures


def with_customer_figures(*, session: Session, site: Site, sample: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The sample with a real customer's figures (segment, CLV, churn risk, P(alive)) where the fields are blank.

    So a marketer previews a campaign as one of the customers it targets; a typed field still wins.
    """
    filled = dict(sample)
    key = sample.get("sample.customer", "").strip()
    if not key:
        return filled, ""
    figure = session.get(CustomerFigure, (site.pk, key[:140]))
    if figure is None:
        return filled, "has no figures: not a customer key of the last nightly run (see the Customers page)"
    for name, value in (("segment", figure.segment), ("clv", figure.clv), ("churn_risk", figure.churn_risk),
                        ("p_alive", figure.p_alive)):
        if not filled.get(f"sample.{name}", "").strip() and value is not None:
            filled[f"sample.{name}"] = value if isinstance(value, str) else f"{value:.4f}"
    return filled, ""


def _customer_line(sample: Mapping[str, str], snapshot: VisitorSnapshot) -> str:
    key = sample.get("sample.customer", "").strip()
    if not key or not snapshot.segments:
        return ""
    risk = f", churn risk {snapshot.churn_risk:.0%}" if snapshot.churn_risk is not None else ""
    return f"{key}: {', '.join(sorted(snapshot.segments)).replace('_', ' ')}{risk}"


def audience_of(*, session: Session, site: Site, conditions: str) -> Audience | None:
    """How many visitors of the last AUDIENCE_DAYS days match the typed conditions (None while they have problems)."""
    tree, problem = read_conditions(conditions)
    if problem or validate_conditions(tree):
        return None
    return audience_count(session=session, site=site, conditions=tree, now=utcnow(), days=AUDIENCE_DAYS)


def _card(session: Session, site: Site, form: CampaignForm, row: int, snapshot: VisitorSnapshot,
          catalogs: CatalogIndexes) -> Card:
    key = form.value(row_name(row, "key")) or f"row {row + 1}"
    if form.value(row_name(row, "control")):
        return Card(row, key, control=True)
    cta = {part: form.value(row_name(row, f"cta.{part}")).strip() for part in ("kind", "text", "url", "coupon")}
    message = form.value(row_name(row, "message"))
    if not message.strip():
        return Card(row, key, problem="Write the message to see it here.", cta=cta)
    try:
        variant = VariantIn(key="preview", message=message)
    except ValidationError as exc:
        return Card(row, key, problem=exc.errors()[0]["msg"], cta=cta)
    shown = preview(session=session, site=site, variant=variant, snapshot=snapshot, catalogs=catalogs)
    if isinstance(shown, TemplateProblem):
        return Card(row, key, problem=shown.format(), cta=cta)
    return Card(row, key, text=shown.text, cta=cta)


def _items(session: Session, site: Site, snapshot: VisitorSnapshot, settings: PromoSettings,
           catalogs: CatalogIndexes) -> list[dict[str, str]]:
    _, products = message_context(session, site, snapshot, settings, catalogs=catalogs)
    money = _money(site.currency, settings)
    return [{"title": p.title, "price": money(from_minor(p.price_minor, p.currency)), "image": p.image or ""}
            for p in products]


def _matches(conditions: str, snapshot: VisitorSnapshot) -> bool | None:
    tree, problem = read_conditions(conditions)
    if problem or validate_conditions(tree):
        return None
    return evaluate(tree, snapshot)


def _quiz(text: str) -> tuple[dict[str, dict[str, Any]], str | None]:
    if not text.strip():
        return {}, None
    match = _QUIZ.match(text)
    if not match:
        return {}, "write flow/question = answer, such as running-shoes/terrain = trail"
    flow, question, answer = match.groups()
    return {flow: {question: answer}}, None


def _count(sample: Mapping[str, str], name: str, low: int, errors: dict[str, str]) -> int:
    try:
        return whole_number(sample.get(name, "").strip() or str(low), low=low, high=MAX_SAMPLE_COUNT)
    except NotANumber as exc:
        errors[name] = str(exc)
        return low


def _money(currency: str, settings: PromoSettings) -> Callable[[Decimal], str]:
    return lambda amount: format_price(amount, currency, settings.price_style)
