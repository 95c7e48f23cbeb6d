"""The attribution rules on worked timelines: one shopper's clicks, views, adds and orders, and what each earns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assistant.analytics.attribution import Add, Line, Order, Touch, attribute, line_values, qualifies

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """T0 plus `minutes`."""
    return T0 + timedelta(minutes=minutes)


def strip_click(minute: float, sku: str, visit: int = 1, placement: str = "product") -> Touch:
    return Touch("strip", True, at(minute), visit, "r_1", (sku,), placement)


def test_a_strip_click_earns_the_line_of_that_product_in_the_same_visit_only() -> None:
    # 9:00 clicks boot B1 in a strip, 9:10 buys B1 (60.00) and socks S1 (8.00) nobody showed
    order = Order("o1", at(10), 1, 6800, (Line("B1", 1, 6000), Line("S1", 1, 800)))
    result = attribute([strip_click(0, "B1")], [order])
    assert [(c.sku, c.value_minor, c.touch.kind) for c in result.clicked] == [("B1", 6000, "strip")]
    assert result.viewed == []


def test_a_click_earns_within_24_hours_across_visits_and_not_after() -> None:
    click = strip_click(0, "B1", visit=1)
    inside = Order("o1", at(24 * 60), 2, 6000, (Line("B1", 1, 6000),))  # exactly 24 h later, another visit
    outside = Order("o2", at(24 * 60 + 1), 3, 6000, (Line("B1", 1, 6000),))  # a minute past the window
    assert [c.order_id for c in attribute([click], [inside, outside]).clicked] == ["o1"]


def test_a_long_visit_keeps_its_click_past_24_hours_and_a_click_after_the_order_earns_nothing() -> None:
    click = strip_click(0, "B1", visit=7)
    same_visit = Order("o1", at(25 * 60), 7, 6000, (Line("B1", 1, 6000),))
    assert len(attribute([click], [same_visit]).clicked) == 1
    late = strip_click(30, "B1", visit=8)
    assert attribute([late], [Order("o2", at(20), 8, 6000, (Line("B1", 1, 6000),))]).clicked == []
    assert qualifies(late, at(30), 8) and not qualifies(late, at(29), 8)


def test_the_last_product_click_wins_and_a_promotion_takes_the_lines_no_product_click_earned() -> None:
    touches = [strip_click(0, "B1"),
               Touch("quiz", True, at(5), 1, "q_9", ("B1",), "running-shoes"),
               Touch("promotion", True, at(8), 1, "free-shipping", (), "cart", "A")]
    order = Order("o1", at(12), 1, 7400, (Line("B1", 1, 6000), Line("S1", 2, 1400)))
    result = attribute(touches, [order])
    credited = {(c.sku, c.touch.kind, c.touch.ref, c.value_minor) for c in result.clicked}
    assert credited == {("B1", "quiz", "q_9", 6000), ("S1", "promotion", "free-shipping", 1400)}
    assert sum(c.value_minor for c in result.clicked) == order.value_minor


def test_view_through_is_counted_apart_and_never_beside_a_click() -> None:
    shown = Touch("strip", False, at(0), 1, "r_1", ("B1", "J1", "S1"), "home")
    seen_promo = Touch("promotion", False, at(1), 1, "instalments", (), "checkout")
    order = Order("o1", at(30), 1, 9000, (Line("B1", 1, 6000), Line("J1", 1, 2500), Line("X9", 1, 500)))
    result = attribute([shown, seen_promo, strip_click(2, "J1")], [order])
    assert [(c.sku, c.touch.kind) for c in result.clicked] == [("J1", "strip")]
    assert [(c.sku, c.touch.kind, c.value_minor) for c in result.viewed] == [("B1", "strip", 6000),
                                                                              ("X9", "promotion", 500)]


def test_lines_without_prices_share_the_order_value_by_quantity_and_the_shares_add_up() -> None:
    order = Order("o1", at(5), 1, 1000, (Line("A", 1), Line("B", 2)))
    values = [line.value_minor for line in line_values(order)]
    assert values == [333, 667] and sum(v or 0 for v in values) == 1000
    result = attribute([strip_click(0, "B")], [order])
    assert [(c.sku, c.value_minor) for c in result.clicked] == [("B", 667)]


def test_an_order_without_lines_can_be_earned_by_a_promotion_only() -> None:
    order = Order("o1", at(5), 1, 2500)
    assert attribute([strip_click(0, "B1")], [order]).clicked == []
    promo = Touch("promotion", True, at(1), 1, "gap", (), "cart")
    assert [(c.sku, c.value_minor) for c in attribute([promo], [order]).clicked] == [(None, 2500)]


def test_an_add_to_cart_is_attributed_to_the_product_click_before_it() -> None:
    adds = [Add("B1", at(3), 1), Add("S1", at(4), 1), Add("B1", at(-5), 1)]
    result = attribute([strip_click(0, "B1"), Touch("promotion", True, at(1), 1, "gap", (), "cart")], [], adds)
    assert [(c.sku, c.touch.kind, c.touch.at) for c in result.adds] == [("B1", "strip", T0)]
