"""The events the widget reports about promotions, and how the backend reads them.

For every chosen promotion the API answers `ref`, `variant` and `placement`. The widget echoes
them in tracking events (POST /api/v1/events, the `Shown` event shape):

- `promo_impression` once when the message is rendered: `{"type": "promo_impression", "ref": ref,
  "variant": variant, "placement": placement}`. For a control assignment (`control: true`) the
  widget renders nothing but still sends this event with the control variant's key: that is the
  exposure the experiment statistics compare against.
- `promo_click` when the call to action (or a product in it: add `sku`) is clicked, same fields.
- `promo_dismiss` when the shopper closes it, same fields.

`ref` is the campaign id as text ("12"); the older form "12:variant" is read too. Frequency caps,
the attention budget and experiment results all count these events.
"""

from __future__ import annotations

from typing import Any

from assistant.numbers import MAX_ID, whole_or_none

IMPRESSION = "promo_impression"
CLICK = "promo_click"
DISMISS = "promo_dismiss"
TYPES = (IMPRESSION, CLICK, DISMISS)


def ref_for(campaign_id: int) -> str:
    """The `ref` the widget sends back for a campaign."""
    return str(campaign_id)


def parse_ref(ref: str | None, data: dict[str, Any] | None = None) -> tuple[int | None, str | None]:
    """(campaign id, variant key) of a promotion event's `ref` and `data` (None where unreadable)."""
    head, _, tail = (ref or "").partition(":")
    campaign = whole_or_none(head, low=1, high=MAX_ID)
    variant = (data or {}).get("variant") or tail or None
    return campaign, str(variant) if variant is not None else None
