"""The demo shop itself: browse, cart, checkout, illustrations; no JavaScript needed but the widget's."""

from __future__ import annotations

from typing import Any

from tests.browser.helpers import Problems


def test_root_redirects_to_the_shop(page: Any, problems: Problems) -> None:
    page.goto("/")
    assert page.url.endswith("/demo/")
    assert page.locator("h1").inner_text().startswith("Gear that fits")
    problems.assert_none()


def test_browse_add_to_cart_and_check_out(page: Any, problems: Problems) -> None:
    """Every step waits for the page it leads to (a click returns before its navigation ends: counting the
    errors of the checkout right after the click once found the old page's 0 on a loaded machine)."""
    from playwright.sync_api import expect

    page.goto("/demo/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Rain jackets").click()
    expect(page.locator("h1")).to_have_text("Rain jackets")
    page.select_option("#sort", "price-asc")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/demo/category/rain-jackets?*sort=price-asc*")
    shown = page.locator(".product-card:not(.is-sold-out) .price").all_inner_texts()
    prices = [float(p.strip("€").replace(",", "")) for p in shown]
    assert prices == sorted(prices)
    page.locator(".product-card:not(.is-sold-out) .product-title a").first.click()
    page.wait_for_url("**/demo/product/*")
    title = page.locator("h1").inner_text()
    page.select_option("#quantity", "2")
    page.get_by_role("button", name="Add to cart").click()

    page.wait_for_url("**/demo/cart*")
    assert title in page.locator(".notice").inner_text()
    assert page.locator(".cart-link .count").inner_text() == "2"
    page.get_by_role("link", name="Go to checkout").click()
    page.wait_for_url("**/demo/checkout")
    page.get_by_role("button", name="Place order").click()
    expect(page.locator(".field-error"), "an empty form names every missing field").to_have_count(4)
    page.fill("#f-name", "Robin Fell")
    page.fill("#f-email", "robin@example.com")
    page.fill("#f-address", "1 Ridge Road")
    page.fill("#f-city", "12345 Hilltown")
    page.get_by_role("button", name="Place order").click()
    expect(page.locator("h1")).to_have_text("Thank you, Robin Fell!")
    page.goto("/demo/cart")
    assert "Your cart is empty" in page.locator("main").inner_text()
    problems.assert_none()


def test_remove_from_cart(page: Any, problems: Problems) -> None:
    page.goto("/demo/category/socks")
    page.locator(".product-card:not(.is-sold-out) .product-title a").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.locator(".cart-line").get_by_role("button", name="Remove").click()
    assert "Your cart is empty" in page.locator("main").inner_text()
    problems.assert_none()


def test_product_illustrations_are_svg(page: Any) -> None:
    for sku in ["rs-001", "bp-001", "rj-001", "sk-001", "ac-001", "cr-001"]:
        response = page.request.get(f"/demo/img/{sku}.svg")
        assert response.status == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.text().startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    assert page.request.get("/demo/img/no-such-sku.svg").status == 404


def test_cart_forms_do_not_change_anything_on_get(page: Any) -> None:
    for path in ["/demo/cart/add?sku=rs-001", "/demo/cart/remove?sku=rs-001", "/demo/cart/update?sku=rs-001"]:
        assert page.request.get(path).status == 405
