"""Counted texts: a catalogue's gettext forms (msgstr[0..n], picked by its Plural-Forms expression) named by CLDR's
plural categories (zero, one, two, few, many, other), which the widget picks with `Intl.PluralRules(locale)`; so
CLDR's rules choose the form in the browser and the translator's forms are the ones shown (docs/i18n.md)."""

from __future__ import annotations

import functools
import gettext
from collections.abc import Sequence

from babel import Locale, UnknownLocaleError

SAMPLES = range(201)
"""The counts both rules are evaluated on: every CLDR integer rule of a shipped language differs below 200."""


@functools.lru_cache(maxsize=64)
def category_indexes(locale: str, plural_expr: str) -> dict[str, int]:
    """CLDR category -> the msgstr index gettext's expression gives the first count CLDR puts in that category.
    German ('(n != 1)'): {'one': 0, 'other': 1}; Arabic's six forms: zero 0, one 1, two 2, few 3, many 4, other 5."""
    try:
        category = Locale.parse(locale).plural_form
    except (ValueError, UnknownLocaleError):
        category = Locale("en").plural_form
    index = gettext.c2py(plural_expr)
    found: dict[str, int] = {}
    for n in SAMPLES:
        found.setdefault(category(n), index(n))
    found.setdefault("other", max(found.values()))  # CLDR's 'other' of a language whose integers never reach it
    return found


def by_category(forms: Sequence[str], indexes: dict[str, int]) -> dict[str, str]:
    """A counted text's translated forms by CLDR category ({} when a form the categories need is missing)."""
    if any(i >= len(forms) or not forms[i] for i in indexes.values()):
        return {}
    return {name: forms[i] for name, i in indexes.items()}
