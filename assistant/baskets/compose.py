"""One reminder of one basket, rendered: subject, HTML, text and the webhook's payload.

The step's own templates (settings.steps[i].subject/html/text) are used when they pass the save
checks and render; an empty one, or one that fails now (a bound broken by this cart), gives way to
the shipped template, so a merchant's mistake costs a plainer e-mail, never a missing one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Template
from sqlmodel import Session

from assistant.baskets.email_language import language, wanted_tag
from assistant.baskets.email_templates import (
    MAX_SUBJECT,
    Kind,
    TemplateProblem,
    compile_template,
    describe,
    render,
    template_line,
)
from assistant.baskets.lines import MAX_LINES, Line, Prices, cart_lines, catalog_of, model_store, recommended
from assistant.baskets.links import basket_token
from assistant.baskets.models import Basket
from assistant.baskets.settings import BasketSettings, Step
from assistant.catalog.index import CatalogIndex
from assistant.catalog.money import to_major
from assistant.config import Settings
from assistant.paths import resource_dir
from assistant.promotions.money import STYLE_LOCALES
from assistant.promotions.settings import get_settings as promo_settings
from assistant.recommend.serving import ModelStore
from assistant.recommend.wording import words_for
from assistant.sites.models import Site
from assistant.tracking.models import Customer

log = logging.getLogger(__name__)
KINDS: tuple[Kind, ...] = ("subject", "html", "text")

__all__ = ["Composed", "TemplateProblem", "check_templates", "compose_step", "shipped_template"]


@dataclass(frozen=True)
class Composed:
    """A rendered reminder and the webhook body that carries it (docs/baskets.md)."""

    subject: str
    html: str
    text: str
    payload: dict[str, Any]


def compose_step(*, session: Session, site: Site, basket: Basket, step: int, settings: BasketSettings,
                 base_url: str, secret_key: str, now: datetime, models: ModelStore | None = None,
                 catalog: CatalogIndex | None = None) -> Composed:
    """Render reminder `step` (1-based) of `basket`: its cart, recommended products, coupon and signed links.

    `models` (the app's trained bundles) and `catalog` (the site's index) default to this process's own,
    read from ASSISTANT_MODELS and the session's database.
    """
    if not 1 <= step <= len(settings.steps):
        raise ValueError(f"step {step} is not one of the {len(settings.steps)} steps of the sequence")
    config = settings.steps[step - 1]
    base_url = base_url.rstrip("/")
    catalog = catalog if catalog is not None else catalog_of(session, site)
    models = models if models is not None else model_store(Settings.from_env().models_dir)
    traits = _traits(session, site, basket.customer_id)
    site_default = site.default_locale
    tag = wanted_tag(traits, site_default)
    words = language(tag, site_default)
    prices = Prices(basket.currency or site.currency,
                    words.price_locale or STYLE_LOCALES[promo_settings(session=session, site=site).price_style])
    lines = cart_lines(basket.items, catalog, prices, base_url)
    picks = recommended(catalog=catalog, models=models, site_key=site.key, cart=[line.sku for line in lines],
                        n=config.recommendations, prices=prices, base_url=base_url,
                        words=words_for(tag, site_default) if tag else None)
    basket_id = basket.id or 0
    restore = f"{base_url}/api/v1/baskets/r/" + basket_token(secret_key=secret_key, basket_id=basket_id,
                                                             purpose="restore", now=now)
    unsubscribe = f"{base_url}/api/v1/baskets/unsubscribe/" + basket_token(
        secret_key=secret_key, basket_id=basket_id, purpose="unsubscribe", now=now)
    variables = {"shop": site.name, "first_name": _first_name(traits), "lang": words.lang, "dir": words.dir,
                 "gettext": words.gettext,
                 "items": [line.variables() for line in lines[:MAX_LINES]],
                 "more_items": max(0, len(lines) - MAX_LINES), "total": prices.text(basket.value_minor),
                 "currency": prices.currency, "recommendations": [pick.variables() for pick in picks],
                 "coupon": config.coupon, "restore_url": restore, "unsubscribe_url": unsubscribe, "step": step}
    subject = " ".join(_render_step(config, "subject", variables).split())[:MAX_SUBJECT]
    html = _render_step(config, "html", variables)
    text = _render_step(config, "text", variables)
    payload = {"type": "basket.reminder", "idempotency_key": f"basket-{basket_id}-step-{step}", "site": site.key,
               "basket_id": basket_id, "step": step, "to": basket.email, "customer_id": basket.customer_id,
               "subject": subject, "html": html, "text": text, "items": [_item_json(line, prices) for line in lines],
               "recommendations": [_pick_json(pick, prices) for pick in picks], "coupon": config.coupon or None,
               "restore_url": restore, "unsubscribe_url": unsubscribe, "currency": prices.currency,
               "value": _major(basket.value_minor, prices.currency)}
    return Composed(subject=subject, html=html, text=text, payload=payload)


def check_templates(step: Step) -> list[TemplateProblem]:
    """Every problem of a step's own templates (syntax, names, tags, or rendering sample carts), for the admin's
    settings form; an empty list when they can be saved."""
    problems = []
    for kind in KINDS:
        text = _own_text(step, kind)
        if not text:
            continue
        compiled = compile_template(kind, text)
        if isinstance(compiled, TemplateProblem):
            problems.append(compiled)
            continue
        for variables in sample_variables():
            try:
                render(compiled, kind, variables)
            except Exception as exc:  # noqa: BLE001  (any failure is the merchant's to fix)
                problems.append(TemplateProblem(kind, describe(exc), template_line(exc)))
                break
    return problems


@lru_cache(maxsize=3)
def shipped_template(kind: Kind) -> str:
    """The shipped template's text (templates/email/basket.html, basket.txt, basket-subject.txt)."""
    name = {"subject": "basket-subject.txt", "html": "basket.html", "text": "basket.txt"}[kind]
    text = (resource_dir("templates") / "email" / name).read_text(encoding="utf-8")
    return text.strip() if kind == "subject" else text


def sample_variables() -> list[dict[str, Any]]:
    """Carts a template is tried with when saved: a typical one, a long one with a coupon, and an empty one."""
    def line(i: int) -> dict[str, Any]:
        return {"sku": f"sample-{i}", "title": f"Sample product {i}", "url": f"https://shop.example/p/{i}",
                "image": f"https://shop.example/img/{i}.png", "price": "€19.90", "quantity": i, "line_total": "€39.80",
                "reason": "Often bought with Sample product 1"}
    base = {"shop": "Sample shop", "first_name": "Alex", "total": "€99.50", "currency": "EUR", "coupon": "",
            "restore_url": "https://assistant.example/api/v1/baskets/r/sample",
            "unsubscribe_url": "https://assistant.example/api/v1/baskets/unsubscribe/sample", "step": 1,
            "more_items": 0}
    typical = {**base, "items": [line(1), line(2)], "recommendations": [line(3), line(4), line(5)]}
    long = {**base, "items": [line(i) for i in range(1, MAX_LINES + 1)], "more_items": 5,
            "recommendations": [line(i) for i in range(30, 36)], "coupon": "SAVE10", "step": 2, "first_name": ""}
    empty = {**base, "items": [], "recommendations": [], "first_name": ""}
    return [typical, long, empty]


def _own_text(step: Step, kind: Kind) -> str:
    return {"subject": step.subject, "html": step.html, "text": step.text}[kind].strip()


def _render_step(step: Step, kind: Kind, variables: dict[str, Any]) -> str:
    own = _own_text(step, kind)
    if own:
        compiled = compile_template(kind, own)
        if isinstance(compiled, TemplateProblem):
            log.warning("reminder %s template refused, using the shipped one: %s", kind, compiled.format())
        else:
            try:
                return render(compiled, kind, variables)
            except Exception as exc:  # noqa: BLE001  (a broken template costs a plainer e-mail, not the e-mail)
                log.warning("reminder %s template failed, using the shipped one: %s", kind, describe(exc))
    return render(_shipped(kind), kind, variables)


def _shipped(kind: Kind) -> Template:
    compiled = compile_template(kind, shipped_template(kind))
    if isinstance(compiled, TemplateProblem):
        raise RuntimeError(f"the shipped {kind} template is broken: {compiled.format()}")
    return compiled


def _traits(session: Session, site: Site, customer_id: str) -> dict[str, Any]:
    customer = session.get(Customer, (site.pk, customer_id))
    return customer.traits if customer is not None and isinstance(customer.traits, dict) else {}


def _first_name(traits: dict[str, Any]) -> str:
    name = traits.get("first_name")
    return " ".join(name.split())[:60] if isinstance(name, str) else ""


def _major(minor: int, currency: str) -> float | int:
    value = to_major(minor, currency)
    return int(value) if value == int(value) else value


def _item_json(line: Line, prices: Prices) -> dict[str, Any]:
    return {"sku": line.sku, "title": line.title, "quantity": line.quantity,
            "price": _major(line.price_minor, prices.currency), "price_text": line.price, "url": line.url or None,
            "image": line.image or None}


def _pick_json(line: Line, prices: Prices) -> dict[str, Any]:
    return {"sku": line.sku, "title": line.title, "price": _major(line.price_minor, prices.currency),
            "price_text": line.price, "url": line.url or None, "image": line.image or None, "reason": line.reason}

