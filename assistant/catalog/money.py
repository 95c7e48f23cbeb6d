"""Money in one place: prices are integers in the currency's minor unit; CLDR (Babel) says how many
decimals a currency has, how a locale writes a number, and how a price is shown.

Parsing a feed's text refuses to guess: "1,234" is 1234 in en_US and 1.234 in de_DE, so without a
locale a number whose only separator is followed by exactly three digits is `AmbiguousAmount`, and
the import names the row and column and asks for the feed's locale (`price_locale:` in a mapping).
Formatting is `format_money` everywhere (admin, strips' reasons, promotion messages, the demo); the
widget formats the same major-unit amount with `Intl.NumberFormat`, which follows the same CLDR rules.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision

from assistant.numbers import NotANumber, to_decimal

DEFAULT_LOCALE = "en"
"""The locale of shown prices where no page or setting names one (the demo's pages are `lang="en"`)."""
MAX_MINOR = 2**31 - 1
"""The largest price a product holds (price_minor is a 32-bit INTEGER column on PostgreSQL)."""

_CODE = re.compile(r"^([A-Z]{3})\s*(.+)$|^(.+?)\s*([A-Z]{3})$")
_NUMBER = re.compile(r"[0-9][0-9.,'’\s]*")
_SEPARATORS = re.compile(r"[.,'’\s\u00a0\u202f]")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_GROUPED = re.compile(r"[0-9]{1,3}(?:X[0-9]{3})*")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


class AmountProblem(ValueError):
    """Why a text is not a price, in words a merchandiser can act on."""


class AmbiguousAmount(AmountProblem):
    """A number that two locales read differently ("1,234": 1234 or 1.234)."""


@lru_cache(maxsize=256)
def exponent(currency: str) -> int:
    """Number of decimals of `currency` (CLDR: JPY 0, EUR 2, KWD 3)."""
    return int(get_currency_precision(currency.upper()))


@lru_cache(maxsize=64)
def locale_of(name: str) -> Locale:
    """The Babel locale named `name` ('de_DE', 'de-CH', 'fr'); AmountProblem when CLDR has none."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise AmountProblem(f"'{name}' is not a locale (such as en_US, de_DE, fr_FR, de_CH)") from None


MAX_PAGE_LOCALES = 32
"""Distinct page languages a process formats prices for: CLDR has over a thousand locales, about 0.2 MB
each once loaded, and a page's `lang` comes from anyone; past these, a page gets the site's own style."""
_page_locales: set[str] = set()


def page_locale(lang: str) -> str | None:
    """The CLDR locale of a page's `lang` ('de-DE' -> 'de_DE'), or None when CLDR has none (or too many were seen)."""
    if not 2 <= len(lang) <= 35:
        return None
    try:
        name = str(locale_of(lang))
    except AmountProblem:
        return None
    if name not in _page_locales:
        if len(_page_locales) >= MAX_PAGE_LOCALES:
            return None
        _page_locales.add(name)
    return name


def to_minor(amount: str | float | int | Decimal, currency: str) -> int:
    """A computed amount in major units ("129.90", 129.9) in minor units (12990), rounded half up."""
    try:
        value = to_decimal(amount)
    except NotANumber:
        raise ValueError(f"'{amount}' is not a price") from None
    if value < 0:
        raise ValueError(f"'{amount}' is not a price")
    try:
        scaled = value.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds ("1e30")
        raise ValueError(f"'{amount}' is not a price") from None
    return int(scaled)


def to_major(minor: int, currency: str) -> float:
    """Minor units as a float in major units, for ranking and JSON."""
    return minor / 10 ** exponent(currency)


def from_minor(minor: int, currency: str) -> Decimal:
    """Minor units as an exact Decimal in major units (1250, 'EUR' -> Decimal('12.50'))."""
    return Decimal(minor).scaleb(-exponent(currency))


def parse_price(text: str | int | float | Decimal, currency: str, *, locale: str | None = None) -> int:
    """A feed's price ("89,90", "1.234,50", "99.00 USD", or a JSON number) in `currency`'s minor units.

    A currency code written with the number must be `currency`; more decimals than the currency
    has (other than zeros) are refused, not rounded; without `locale`, an ambiguous text is
    `AmbiguousAmount`. A number (not text) is what it is, whatever the locale.
    """
    if isinstance(text, str):
        amount, written = parse_amount(text, locale=locale)
    else:
        try:
            amount, written = to_decimal(text), None
        except NotANumber:
            raise AmountProblem(f"'{text}' is not a price") from None
    if amount < 0:
        raise AmountProblem(f"'{text}' is not a price (below zero)")
    if written is not None and written != currency.upper():
        raise AmountProblem(f"'{text}' is in {written} but this import's currency is {currency.upper()} (the site's, "
                            f"unless the mapping sets `currency:`)")
    digits = exponent(currency)
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise AmountProblem(f"'{text}' has more decimals than {currency.upper()} has ({digits})")
    if scaled > MAX_MINOR:
        raise AmountProblem(f"'{text}' is more than a product's price may be")
    return int(scaled)


def parse_amount(text: str, *, locale: str | None = None) -> tuple[Decimal, str | None]:
    """The amount of a price text and the currency code written with it ('99.00 USD' -> (99.00, 'USD'))."""
    stripped = text.strip()
    written = None
    coded = _CODE.match(stripped)
    if coded:
        written = coded[1] or coded[4]
        stripped = coded[2] or coded[3]
    if not _NUMBER.fullmatch(stripped):
        raise AmountProblem(f"'{text}' is not a price")
    number = _read_locale(stripped, locale) if locale else _read_plain(stripped)
    if number is None:
        raise AmountProblem(f"'{text}' is not a price" + (f" as {locale} writes one" if locale else ""))
    return number, written


def _read_locale(text: str, name: str) -> Decimal | None:
    """`text` read as locale `name` writes numbers: its decimal symbol at most once, its thousands symbol
    (any space where it is a space, either apostrophe where it is one) between groups of three digits."""
    symbols = locale_of(name).number_symbols["latn"]
    decimal, group = symbols["decimal"], symbols["group"]
    if _SPACES.fullmatch(group):
        text = _SPACES.sub(group, text)
    elif group in "'’":
        text = text.replace("’", group).replace("'", group)
    whole, point, fraction = text.partition(decimal)
    if point and not fraction.isdigit():
        return None
    marks = set(_SEPARATORS.findall(whole)) | ({group} if group in whole else set())
    if marks - {group}:
        return None
    return _grouped(whole.replace(group, ","), {","} if marks else set(), fraction)


def _read_plain(text: str) -> Decimal | None:
    """`text` read without a locale: only what every locale reads the same; AmbiguousAmount otherwise."""
    marks = _SEPARATORS.findall(text)
    if not marks:
        return Decimal(text)
    last = marks[-1]
    whole, _, fraction = text.rpartition(last)
    if last in ".," and marks.count(last) == 1:  # the last mark is the decimal one, or a lone thousands mark
        if len(set(marks)) == 1 and len(fraction) == 3 and 0 < int(whole or "0") and len(whole) <= 3:
            raise AmbiguousAmount(f"'{text}' is ambiguous: {whole}{fraction} or {whole}.{fraction}?")
        return _grouped(whole, set(marks[:-1]), fraction)
    return _grouped(text, set(marks), "")


def _grouped(whole: str, marks: set[str], fraction: str) -> Decimal | None:
    """`whole` with one thousands mark between groups of three digits, and `fraction`; None when not so."""
    if len(marks) > 1:
        return None
    digits = _SEPARATORS.sub("X", whole)
    if marks and not _GROUPED.fullmatch(digits):
        return None
    if not fraction.isdigit() and fraction:
        return None
    return Decimal(digits.replace("X", "") + ("." + fraction if fraction else ""))


def format_money(amount: Decimal | float | int, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """`amount` (major units) as `locale` shows a price in `currency`: '€1,234.50', '1.234,50 €', '¥1,235'."""
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, float, int)):
        raise TypeError("a price needs a number, such as cart_total or free_shipping_gap")
    digits = exponent(currency)
    value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = str(format_currency(value, currency.upper(), locale=locale_of(locale), currency_digits=True))
    return _LETTER_DIGIT.sub("\u00a0", text)  # CLDR currencySpacing, which Babel leaves out: 'CHF 8.00'


def format_price(minor: int, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """A stored price (minor units) for display: `format_money` of its major units."""
    return format_money(from_minor(minor, currency), currency, locale)
