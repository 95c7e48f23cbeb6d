"""Money across currencies of 0, 2 and 3 decimals and locales that write 1,234.50 and 1.234,50: parsing and
formatting by CLDR (Babel), and refusing what two locales would read differently."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.catalog import money
from assistant.catalog.money import (
    AmbiguousAmount,
    AmountProblem,
    exponent,
    format_money,
    format_price,
    parse_amount,
    parse_price,
    to_minor,
)

CURRENCIES = {"JPY": 0, "KRW": 0, "CLP": 0, "EUR": 2, "USD": 2, "GBP": 2, "KWD": 3, "BHD": 3, "JOD": 3}
LOCALES = ("de_DE", "fr_FR", "en_US", "en_GB", "de_CH")


@pytest.mark.parametrize(("currency", "digits"), CURRENCIES.items())
def test_each_currency_has_its_cldr_decimals(currency: str, digits: int) -> None:
    assert exponent(currency) == digits
    assert to_minor("1234567", currency) == 1234567 * 10**digits  # zero-decimal ones beyond six digits too


# (locale, how it writes 1234567.891 with three decimals, with two, with none)
WRITTEN = {
    "de_DE": ("1.234.567,891", "1.234.567,89", "1.234.567"),
    "fr_FR": ("1\u202f234\u202f567,891", "1 234 567,89", "1 234 567"),
    "en_US": ("1,234,567.891", "1,234,567.89", "1,234,567"),
    "en_GB": ("1,234,567.891", "1,234,567.89", "1,234,567"),
    "de_CH": ("1'234'567.891", "1’234’567.89", "1'234'567"),
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_locale_reads_its_own_numbers_in_every_currency(locale: str, currency: str) -> None:
    three, two, none = WRITTEN[locale]
    digits = CURRENCIES[currency]
    text = {3: three, 2: two, 0: none}[digits]
    assert parse_price(text, currency, locale=locale) == {3: 1234567891, 2: 123456789, 0: 1234567}[digits]
    assert parse_price(none, currency, locale=locale) == 1234567 * 10**digits
    if digits < 3:  # more decimals than the currency has are refused, not rounded
        with pytest.raises(AmountProblem, match="more decimals"):
            parse_price(three, currency, locale=locale)


@pytest.mark.parametrize(("locale", "text", "currency", "minor"), [
    ("en_US", "1,234", "EUR", 123400), ("de_DE", "1,234", "EUR", None), ("de_DE", "1,234", "KWD", 1234),
    ("fr_FR", "1,234", "BHD", 1234), ("de_DE", "1.234", "EUR", 123400), ("en_GB", "1.234", "EUR", None),
    ("en_GB", "1.234", "JOD", 1234), ("de_CH", "1'234", "EUR", 123400), ("en_US", "12,50", "EUR", None),
    ("de_DE", "12.50", "EUR", None), ("de_DE", "1,234.50", "EUR", None), ("en_US", "1.234,50", "EUR", None),
])
def test_one_text_in_two_locales(locale: str, text: str, currency: str, minor: int | None) -> None:
    """'1,234' is 1234 in en_US and 1.234 in de_DE (three decimals: refused for EUR, 1234 fils in KWD), never 1.23."""
    if minor is None:
        with pytest.raises(AmountProblem):
            parse_price(text, currency, locale=locale)
    else:
        assert parse_price(text, currency, locale=locale) == minor


@pytest.mark.parametrize("text", ["1,234", "1.234", "12.500", "999,000", "1,234 EUR"])
def test_without_a_locale_an_ambiguous_number_is_refused(text: str) -> None:
    with pytest.raises(AmbiguousAmount, match="ambiguous"):
        parse_price(text, "EUR")


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("89,90", "EUR", 8990), ("89.9", "EUR", 8990), ("1.234,50", "EUR", 123450), ("1,234.50", "EUR", 123450),
    ("1 234,50", "EUR", 123450), ("1'234.50", "CHF", 123450), ("12.345.678", "JPY", 12345678),
    ("1,234,567", "KRW", 1234567), ("0.125", "KWD", 125), ("1234.567", "BHD", 1234567), ("1,2345", "EUR", None),
    ("15.00 USD", "USD", 1500), ("USD 15", "USD", 1500), ("1.5.6", "EUR", None), ("cheap", "EUR", None),
    ("12.5", "JPY", None), ("-5", "EUR", None), ("1e3", "EUR", None),
])
def test_without_a_locale_what_every_locale_reads_alike(text: str, currency: str, minor: int | None) -> None:
    if minor is None:
        with pytest.raises(AmountProblem):
            parse_price(text, currency)
    else:
        assert parse_price(text, currency) == minor


def test_a_currency_written_with_the_number_must_be_the_imports() -> None:
    assert parse_amount("99.00 USD") == (Decimal("99.00"), "USD")
    with pytest.raises(AmountProblem, match="'99.00 USD' is in USD but this import's currency is EUR"):
        parse_price("99.00 USD", "EUR")


def test_an_unknown_locale_is_named() -> None:
    with pytest.raises(AmountProblem, match="'xx_YY' is not a locale"):
        parse_price("1", "EUR", locale="xx_YY")


NBSP, NNBSP = "\u00a0", "\u202f"
# (amount in major units, currency) -> how each locale shows it; the same table as the widget's Intl.NumberFormat
# (tests/browser/test_money_widget.py compares the browser's answers with format_money over these rows).
SHOWN = {
    (Decimal("1234.5"), "EUR"): {"de_DE": f"1.234,50{NBSP}€", "fr_FR": f"1{NNBSP}234,50{NBSP}€",
                                 "en_US": "€1,234.50", "en_GB": "€1,234.50", "de_CH": f"EUR{NBSP}1'234.50"},
    (Decimal("1234.5"), "USD"): {"de_DE": f"1.234,50{NBSP}$", "en_US": "$1,234.50", "en_GB": "US$1,234.50"},
    (Decimal("8"), "GBP"): {"en_GB": "£8.00", "de_DE": f"8,00{NBSP}£", "de_CH": f"£{NBSP}8.00"},
    (Decimal("1234"), "JPY"): {"en_US": "¥1,234", "de_DE": f"1.234{NBSP}¥", "fr_FR": f"1{NNBSP}234{NBSP}JPY"},
    (Decimal("1234.5"), "KRW"): {"en_US": "₩1,235", "de_DE": f"1.235{NBSP}₩"},  # zero decimals: rounded half up
    (Decimal("15000"), "CLP"): {"en_US": f"CLP{NBSP}15,000", "de_DE": f"15.000{NBSP}CLP"},
    (Decimal("1234.567"), "KWD"): {"en_US": f"KWD{NBSP}1,234.567", "de_DE": f"1.234,567{NBSP}KWD",
                                   "fr_FR": f"1{NNBSP}234,567{NBSP}KWD", "de_CH": f"KWD{NBSP}1'234.567"},
    (Decimal("5"), "BHD"): {"en_GB": f"BHD{NBSP}5.000", "de_DE": f"5,000{NBSP}BHD"},
    (Decimal("0.25"), "JOD"): {"en_US": f"JOD{NBSP}0.250", "fr_FR": f"0,250{NBSP}JOD"},
}


@pytest.mark.parametrize(("key", "locale"), [(key, locale) for key, shown in SHOWN.items() for locale in shown])
def test_formatting_by_locale_and_currency(key: tuple[Decimal, str], locale: str) -> None:
    amount, currency = key
    expected = SHOWN[key][locale]
    assert format_money(amount, currency, locale) == expected
    assert format_price(to_minor(amount, currency), currency, locale) == expected  # from the stored minor units


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("currency", CURRENCIES)
def test_what_is_shown_reads_back(locale: str, currency: str) -> None:
    """A price formatted for a locale, read back as that locale (and the currency code beside it), is the same price."""
    minor = 123456789
    shown = format_price(minor, currency, locale)
    number = "".join(ch for ch in shown if ch.isdigit() or ch in ".,'’ \u00a0\u202f").strip()
    assert parse_price(number, currency, locale=locale) == minor


def test_page_languages_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's lang comes from anyone, and each CLDR locale costs memory once loaded: a process takes a bounded
    number of them, and a page past those gets the site's own style (None)."""
    monkeypatch.setattr(money, "_page_locales", set())
    monkeypatch.setattr(money, "MAX_PAGE_LOCALES", 2)
    assert [money.page_locale(lang) for lang in ("de-DE", "fr", "tlh-QQ", "", "x" * 40, "en-GB", "de-DE")] == [
        "de_DE", "fr", None, None, None, None, "de_DE"]
