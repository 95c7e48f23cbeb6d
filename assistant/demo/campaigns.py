"""The demo's three campaigns (free-shipping gap on the cart, instalments at checkout, exit intent) and its settings."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from assistant.promotions.campaigns import create_campaign, list_campaigns
from assistant.promotions.settings import save_settings
from assistant.sites.models import Site

FREE_SHIPPING = "75"
SURVEYS = {"sampling": False, "days_between": 0}
"""Every demo visitor may see the surveys (the shipped ones sample half), and a second one on a later visit."""
CAMPAIGNS: list[dict[str, Any]] = [
    {"name": "Free shipping nudge", "placement": "cart", "status": "live", "priority": 10,
     "conditions": {"all": [{"cart_value": {"min": 0.01, "max": 74.99}}]},
     "variants": [
         {"key": "product", "weight": 50, "message":
          "You're {{ price(free_shipping_gap) }} away from free shipping. "
          "{% if items %}{{ items[0].title }} ({{ price(items[0].price) }}) would get you there.{% endif %}",
          "cta": {"kind": "products", "text": "Add it"}},
         {"key": "plain", "weight": 50, "message":
          "Spend {{ price(free_shipping_gap) }} more and shipping is on us.",
          "cta": {"kind": "link", "text": "Keep shopping", "url": "/demo/"}}]},
    {"name": "Pay in 3 for bigger baskets", "placement": "checkout", "status": "live", "priority": 5,
     "conditions": {"cart_value": {"min": 150}},
     "variants": [
         {"key": "a", "weight": 90, "message":
          "Split {{ price(cart_total) }} into 3 interest-free payments of {{ price(cart_total / 3) }}.",
          "cta": {"kind": "coupon", "text": "Use code", "coupon": "PAY3"}},
         {"key": "control", "weight": 10, "control": True}]},
    {"name": "Before you go", "placement": "exit_intent", "status": "live", "priority": 1,
     "caps": {"per_session": 1},
     "conditions": {"cart_items": {"min": 1}},
     "variants": [
         {"key": "a", "message":
          "{% if first_name %}{{ first_name }}, your{% else %}Your{% endif %} cart is saved. "
          "Shoppers who chose these also liked:",
          "cta": {"kind": "products", "text": "Take a look"}}]},
]


def seed_campaigns(*, session: Session, site: Site) -> int:
    """Create the demo campaigns that do not exist yet (by name); the number created."""
    save_settings(session=session, site=site, data={"free_shipping_threshold": FREE_SHIPPING, "surveys": SURVEYS})
    existing = {c.name for c in list_campaigns(session=session, site=site)}
    created = 0
    for data in CAMPAIGNS:
        if data["name"] not in existing:
            create_campaign(session=session, site=site, data=data)
            created += 1
    return created
