"""Numbers anyone types (Unicode digits, 5,000 digits, ids past 2^31, 1e30) are read in one place and refused
with a reason: never a 500, never a value a query or a template cannot hold."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.numbers import NotANumber, decimal_number, is_finite, whole_number, whole_or_none
from assistant.promotions.events import parse_ref
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.admin.test_campaigns import VALID_FORM, campaigns, error_of, marketer, page, post
from tests.promotions.helpers import make_campaign, track

STRANGE = ["\u00b2", "\u0661", "\uff11", "9" * 5000, "1e30", "99999999999999999999", "1_0", "0x10", "\u00bd"]
"""Superscript two, Arabic-Indic one, full-width one, 5,000 digits, an exponent, past 2^64, an underscore,
hex, one half."""


@pytest.mark.parametrize("text", [*STRANGE, " ", "4\n2"])
def test_only_ascii_digits_in_range_are_whole_numbers(text: str) -> None:
    with pytest.raises(NotANumber, match="whole number from 0 to"):
        whole_number(text, high=10**18)
    assert whole_or_none(text, high=10**18) is None


def test_whole_and_decimal_numbers() -> None:
    assert whole_number(" 42 ") == 42 and whole_number("-3", low=-5) == -3
    assert decimal_number("42,50") == Decimal("42.50") and decimal_number(".5") == Decimal("0.5")
    for text in ["\u0664\u0662", "1e3", "nan", "inf", "10000001", "-1"]:
        with pytest.raises(NotANumber):
            decimal_number(text)
    assert not is_finite(10**400) and not is_finite(float("nan")) and not is_finite(True) and is_finite(10**20)


@pytest.mark.parametrize("ref", ["\u00b2", "\u0661", "9" * 5000, str(2**31), "0"])
def test_a_strange_ref_names_no_campaign(ref: str) -> None:
    assert parse_ref(ref) == (None, None)
    assert parse_ref("12:b") == (12, "b")


def test_a_unicode_digit_ref_does_not_break_the_campaign_list(client: FlaskClient, session: Session,
                                                               site: Site) -> None:
    make_campaign(session, site, name="Listed")
    track(session, site, "visitor-digits", utcnow() - timedelta(hours=1),
          *[{"type": "promo_impression", "ref": ref, "variant": "a", "placement": "cart"}
            for ref in ("\u00b2", "9" * 60, str(2**63), "\u0661")])
    marketer(client, session)
    response = client.get("/admin/campaigns")
    assert response.status_code == 200 and "Listed" in page(response)


@pytest.mark.parametrize("cart", ["x:\u00b2", "x:\u0661", "x:" + "9" * 5000, "x:-1", "x:1e9"])
def test_an_unreadable_cart_quantity_counts_as_one(client: FlaskClient, site: Site, cart: str) -> None:
    response = client.get(f"/api/v1/promotions?site=pk_test&visitor=visitor-0001&placement=cart&cart={cart}"
                          "&cart_value=10")
    assert (response.status_code, response.get_json()) == (200, {"messages": []})


@pytest.mark.parametrize("value", ["\u00b2", "\u0661\u0660", "9" * 5000, "1e30", "nan", "-1", "10000000.01"])
def test_a_strange_cart_value_is_a_400_naming_it(client: FlaskClient, site: Site, value: str) -> None:
    response = client.get(f"/api/v1/promotions?site=pk_test&visitor=visitor-0001&placement=cart&cart=x:1"
                          f"&cart_value={value}")
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, "cart_value")


@pytest.mark.parametrize("value", STRANGE)
def test_sample_counts_take_ascii_numbers_only(client: FlaskClient, session: Session, site: Site, value: str) -> None:
    marketer(client, session)
    for name in ("sample.visits", "sample.cart_items"):
        response = post(client, "/admin/campaigns/preview", {**VALID_FORM, name: value})
        assert response.status_code == 200, (name, page(response)[:300])
        assert "must be a whole number from" in page(response), name


@pytest.mark.parametrize("value", [*STRANGE, "-5", "10000000.01"])
def test_sample_cart_value_takes_ascii_amounts_only(client: FlaskClient, session: Session, site: Site,
                                                    value: str) -> None:
    marketer(client, session)
    response = post(client, "/admin/campaigns/preview", {**VALID_FORM, "sample.cart_value": value})
    assert response.status_code == 200 and "Cart value: must be an amount such as 42.50" in page(response)


@pytest.mark.parametrize("row", ["\u00b2", "\u0661", "9" * 5000, "99999999999", "-1"])
def test_remove_variant_with_a_strange_row_removes_nothing(client: FlaskClient, session: Session, site: Site,
                                                          row: str) -> None:
    marketer(client, session)
    response = post(client, "/admin/campaigns/new", {**VALID_FORM, "action": f"remove_variant:{row}"})
    assert response.status_code == 200 and 'value="control"' in page(response)


def test_a_variant_row_numbered_with_5000_digits_is_ignored(client: FlaskClient, session: Session,
                                                            site: Site) -> None:
    marketer(client, session)
    response = post(client, "/admin/campaigns/preview", {**VALID_FORM, f"variants[{'9' * 5000}].key": "x"})
    assert response.status_code == 200


@pytest.mark.parametrize("number", STRANGE)
def test_form_numbers_take_ascii_digits_only(client: FlaskClient, session: Session, site: Site, number: str) -> None:
    marketer(client, session)
    for name in ("priority", "caps.per_session", "variants[0].weight"):
        html = page(post(client, "/admin/campaigns/new", {**VALID_FORM, name: number, "action": "save"}))
        assert "must be" in html and "Not saved" in html, (name, html[:300])
    assert campaigns(session, site) == []


@pytest.mark.parametrize("campaign_id", [2**31, 2**63 - 1, 2**63, 10**30])
@pytest.mark.parametrize("suffix", ["edit", "results"])
def test_ids_past_what_a_column_holds_are_not_found(client: FlaskClient, session: Session, site: Site,
                                                    campaign_id: int, suffix: str) -> None:
    marketer(client, session)
    assert client.get(f"/admin/campaigns/{campaign_id}/{suffix}").status_code == 404


@pytest.mark.parametrize("action", ["status", "duplicate"])
def test_ids_past_what_a_column_holds_are_not_found_when_posted(client: FlaskClient, session: Session, site: Site,
                                                                action: str) -> None:
    marketer(client, session)
    assert post(client, f"/admin/campaigns/{2**63}/{action}", {"status": "live"}).status_code == 404


@pytest.mark.parametrize("conditions", ["cart_value: {min: 1e30}", "cart_value: {max: .inf}", "cart_value: {max: .nan}",
                                        '{"cart_value": {"min": 1e400}}', "visits: {min: 99999999999999999999}",
                                        "cart_items: {max: " + "9" * 4000 + "}"])
def test_conditions_with_huge_numbers_are_refused_with_the_field(client: FlaskClient, session: Session, site: Site,
                                                                 conditions: str) -> None:
    marketer(client, session)
    for url in ("/admin/campaigns/audience", "/admin/campaigns/preview"):
        response = post(client, url, {**VALID_FORM, "conditions": conditions})
        assert response.status_code == 200, (url, page(response)[:300])
    html = page(post(client, "/admin/campaigns/new", {**VALID_FORM, "conditions": conditions, "action": "save"}))
    assert any("must be" in e or "a number of" in e for e in error_of(html, "f-conditions")), html[:500]
    assert campaigns(session, site) == []


@pytest.mark.parametrize("query", ["n=\u00b2", "n=" + "9" * 5000, "n=0"])
def test_recommendation_count_in_ascii_digits(client: FlaskClient, site: Site, query: str) -> None:
    response = client.get(f"/api/v1/recommendations?site=pk_test&placement=home&{query}")
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, "n")


def test_the_demo_carts_quantity_field() -> None:
    from assistant.demo.cart import MAX_QUANTITY, quantity

    assert [quantity(v) for v in ("2", "50", "0", "-1", "", None)] == [2, MAX_QUANTITY, 1, 1, 1, 1]
    assert [quantity(v) for v in ("\u0663", "\u00b2", "9" * 5000)] == [1, 1, 1]  # not 3, not a 500
    assert quantity("0", allow_zero=True) == 0


@pytest.mark.parametrize(("depth", "words"), [(30, "conditions nest at most 8 levels deep"),
                                              (1000, "values nest more than 40 levels deep")])
def test_deeply_nested_conditions_are_refused_with_a_reason(client: FlaskClient, session: Session, site: Site,
                                                            depth: int, words: str) -> None:
    marketer(client, session)
    conditions = '{"not": ' * depth + '{"device": "mobile"}' + "}" * depth
    for url in ("/admin/campaigns/audience", "/admin/campaigns/preview"):
        assert post(client, url, {**VALID_FORM, "conditions": conditions}).status_code == 200
    html = page(post(client, "/admin/campaigns/new", {**VALID_FORM, "conditions": conditions, "action": "save"}))
    assert any(words in e for e in error_of(html, "f-conditions")), html[:300]
