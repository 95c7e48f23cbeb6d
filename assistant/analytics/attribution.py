"""Which purchase lines the assistant earned: the attribution rules, in one place, as pure functions.

Over one person's events (any order; they are sorted here), with no database and no Flask:

- A **click** is a touch: a strip product (`rec_click`), a quiz result (`quiz_result_click`) or a
  promotion (`promo_click`). A purchase line is **attributed** to a click when the click came before the
  purchase, in the same visit or within 24 hours (ATTRIBUTION_WINDOW), and named that line's product;
  a promotion click names no product: it earns every line of the order that no product click earned
  (promotions speak to the basket: the free-shipping gap, an instalment offer).
- Each line is credited once, to the latest qualifying product click (last click wins); a line no
  product click earned goes to the latest qualifying promotion click.
- **View-through** is counted apart and never added to attributed revenue: a line no click earned whose
  product was shown (a strip impression, the quiz's results) or whose order followed a promotion's
  impression, in the same visit or within 24 hours before.
- An **add to cart** is attributed to a product click by the same rule (for the strips' and the quiz's
  add-to-cart counts).

A line's value is its price times quantity; lines sent without prices share the order's value in
proportion to their quantities; an order without lines is one line without a product (only promotions
can earn it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

ATTRIBUTION_WINDOW = timedelta(hours=24)
Kind = Literal["strip", "quiz", "promotion"]
CLICK_TYPES: dict[str, Kind] = {"rec_click": "strip", "quiz_result_click": "quiz", "promo_click": "promotion"}
VIEW_TYPES: dict[str, Kind] = {"rec_impression": "strip", "quiz_finish": "quiz", "promo_impression": "promotion"}


@dataclass(frozen=True)
class Touch:
    """Something the assistant showed (a view) or the shopper clicked, with what it concerned.

    `skus` are the products it names: one for a click on a product, those shown for a view, none for a
    promotion clicked or seen as a whole. `source` is the strip's placement, the quiz's flow or the campaign.
    """

    kind: Kind
    clicked: bool
    at: datetime
    visit: int | None
    ref: str
    skus: tuple[str, ...] = ()
    source: str = ""
    variant: str = ""


@dataclass(frozen=True)
class Line:
    """One line of an order: its product, quantity and value in minor units (None when the shop sent no price)."""

    sku: str | None
    quantity: int = 1
    value_minor: int | None = None


@dataclass(frozen=True)
class Order:
    """A purchase that counts, in the visit it was made in."""

    order_id: str
    at: datetime
    visit: int | None
    value_minor: int
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Add:
    """A product added to the cart."""

    sku: str
    at: datetime
    visit: int | None


@dataclass(frozen=True)
class Credit:
    """A purchase line (or add to cart) and the touch that earned it: by a click, or seen only (view-through)."""

    order_id: str
    sku: str | None
    value_minor: int
    touch: Touch
    view_through: bool = False


@dataclass
class Attribution:
    """A person's credits: the click-attributed lines, the view-through lines, and the attributed adds to cart."""

    clicked: list[Credit] = field(default_factory=list)
    viewed: list[Credit] = field(default_factory=list)
    adds: list[Credit] = field(default_factory=list)


def qualifies(touch: Touch, at: datetime, visit: int | None) -> bool:
    """Whether `touch` can earn what happened at `at` in `visit`: before it, and in the same visit or within 24 h."""
    if touch.at > at:
        return False
    return (visit is not None and touch.visit == visit) or at - touch.at <= ATTRIBUTION_WINDOW


def line_values(order: Order) -> list[Line]:
    """The order's lines with a value each (see the module's rules); one product-less line when it has none."""
    if not order.lines:
        return [Line(None, 1, order.value_minor)]
    if all(line.value_minor is not None for line in order.lines):
        return list(order.lines)
    units = sum(line.quantity for line in order.lines)
    shares, given = [], 0
    for number, line in enumerate(order.lines):
        last = number == len(order.lines) - 1
        share = order.value_minor - given if last else order.value_minor * line.quantity // units
        given += share
        shares.append(Line(line.sku, line.quantity, share))
    return shares


def attribute(touches: Iterable[Touch], orders: Iterable[Order], adds: Iterable[Add] = ()) -> Attribution:
    """Credit one person's order lines and adds to cart to the touches that earned them (the module's rules)."""
    ordered = sorted(touches, key=lambda t: t.at)
    result = Attribution()
    for order in orders:
        before = [t for t in ordered if qualifies(t, order.at, order.visit)]
        for line in line_values(order):
            credit = _credit(order, line, before)
            if credit is not None:
                (result.viewed if credit.view_through else result.clicked).append(credit)
    for add in adds:
        touch = _latest(t for t in ordered if t.clicked and t.kind != "promotion" and add.sku in t.skus
                        and qualifies(t, add.at, add.visit))
        if touch is not None:
            result.adds.append(Credit("", add.sku, 0, touch))
    return result


def _credit(order: Order, line: Line, before: Sequence[Touch]) -> Credit | None:
    value = line.value_minor or 0
    clicks = [t for t in before if t.clicked]
    touch = (_latest(t for t in clicks if t.kind != "promotion" and line.sku is not None and line.sku in t.skus)
             or _latest(t for t in clicks if t.kind == "promotion"))
    if touch is not None:
        return Credit(order.order_id, line.sku, value, touch)
    views = [t for t in before if not t.clicked]
    seen = (_latest(t for t in views if t.kind != "promotion" and line.sku is not None and line.sku in t.skus)
            or _latest(t for t in views if t.kind == "promotion"))
    return None if seen is None else Credit(order.order_id, line.sku, value, seen, view_through=True)


def _latest(touches: Iterable[Touch]) -> Touch | None:
    found = None
    for touch in touches:  # in time order: the last one standing is the latest
        found = touch
    return found
