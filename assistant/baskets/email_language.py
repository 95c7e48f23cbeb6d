"""The language a reminder is written in: its words through the one catalogue, its direction, its prices' format.

A visitor's page language is not recorded with their visits or cart (only a survey answer carries it), so a
reminder takes the customer's `locale` trait when the shop's `identify` sends one ("de", "ar-EG"), else the
site's default locale, else English. The words follow the catalogue's fallback order (docs/i18n.md); the prices
follow the same tag through CLDR, as the widget's do; with no language at all they keep the shop's price style.
The shipped templates mark their words with `_()` (Jinja's i18n extension, new-style gettext: `%(name)s`
placeholders filled after translating, and escaped in the HTML e-mail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.catalog.money import page_locale
from assistant.i18n.catalogue import SOURCE_LOCALE, direction, get_catalogue
from assistant.i18n.jinja_gettext import gettext_from

LOCALE_TRAIT = "locale"
"""The customer trait naming the shopper's language (a BCP 47 tag)."""
MAX_TAG = 35


@dataclass(frozen=True)
class Language:
    """What a reminder needs of its language: `lang` and `dir` for the page, `gettext` for the words, the price
    locale for Prices (None: the shop's price style)."""

    lang: str
    dir: str
    gettext: Callable[..., str]
    price_locale: str | None


def wanted_tag(traits: dict[str, Any] | None, site_default: str | None) -> str:
    """The shopper's language tag: the customer's `locale` trait, else the site's default; '' for neither."""
    trait = (traits or {}).get(LOCALE_TRAIT)
    for tag in (trait, site_default):
        if isinstance(tag, str) and 2 <= len(tag.strip()) <= MAX_TAG:
            return tag.strip()
    return ""


def language(tag: str, site_default: str | None = None) -> Language:
    """The reminder's language for a shopper's `tag` on a site whose default locale is `site_default`."""
    catalogue = get_catalogue()
    chosen = catalogue.chosen(tag, site_default) if tag else SOURCE_LOCALE
    if chosen == SOURCE_LOCALE:
        return Language(SOURCE_LOCALE, "ltr", ENGLISH, page_locale(tag) if tag else None)
    return Language(chosen.replace("_", "-"), direction(chosen),
                    gettext_from(lambda text: catalogue.lookup(text, tag, site_default)), page_locale(tag))


ENGLISH = gettext_from(lambda text: text)
"""The words as the templates write them."""
