"""A strip's own words (its title, each reason's sentence) in the page's language, through the one catalogue.

The words are written in English in the code, marked with `N_` so `assistant i18n extract` collects them
(docs/i18n.md). A strip is ranked in English and only the few items it returns are translated, each text once
per locale chain and catalogue version.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING

from assistant.i18n import catalogue
from assistant.i18n.catalogue import SOURCE_LOCALE, Catalogue, Translations, fallback_order, get_catalogue, normalized
from assistant.recommend.base import Reason

if TYPE_CHECKING:
    from assistant.recommend.service import RecResult

MAX_TAGS = 256
"""Page tags whose locale chain is remembered (a page's `lang` comes from anyone; past these it is worked out)."""
TRANSLATED_VALUES = frozenset({"quiz"})
"""Kinds whose `{}` value is itself a catalogue text (a flow's answer label); a category or a product's title
stays as the catalog writes it."""


def N_(text: str) -> str:  # noqa: N802 (gettext's name for a no-op marker, which Babel's extractor looks for)
    """Mark `text` for extraction; it is translated where it is shown (`strip_in`)."""
    return text


class Words:
    """The translations of one chain of locales (the page's, in fallback order), each text looked up once."""

    def __init__(self, chain: tuple[Translations, ...]) -> None:
        self.chain = chain
        self._texts: dict[str, str] = {}
        self._reasons: dict[Reason, Reason] = {}

    def text(self, source: str) -> str:
        """`source` in the first locale of the chain that translates it, else `source`."""
        found = self._texts.get(source)
        if found is None:
            found = next((t.texts[source] for t in self.chain if source in t.texts), source)
            self._texts[source] = found
        return found

    def reason(self, reason: Reason) -> Reason:
        """`reason` with its sentence translated (a template translated, then filled with its value)."""
        found = self._reasons.get(reason)
        if found is None:
            found = reason._replace(text=self._sentence(reason))
            if len(self._reasons) < 4096:  # the values (titles, categories) are the shop's: keep the memo bounded
                self._reasons[reason] = found
        return found

    def _sentence(self, reason: Reason) -> str:
        if reason.template is None or reason.value is None:
            return self.text(reason.text)
        value = self.text(reason.value) if reason.kind in TRANSLATED_VALUES else reason.value
        try:
            return self.text(reason.template).format(value)
        except (IndexError, KeyError, ValueError):  # a translation that lost or renamed its {}
            return reason.template.format(value)


_lock = threading.Lock()
_state: tuple[dict[str, Translations], dict[str, Words | None]] = ({}, {})
"""The catalogue's locales these chains were made from, and each page tag's words (None: English)."""
_found: tuple[object, Catalogue | None] = (object(), None)
"""The catalogue of the translations folder named last (finding the installation's costs a few stat calls)."""


def _catalogue() -> Catalogue:
    global _found  # noqa: PLW0603 (one tuple, swapped at once)
    folder, found = _found
    if found is None or folder is not catalogue.FOLDER:
        found = get_catalogue()
        _found = (catalogue.FOLDER, found)
    return found


def words_for(lang: str | None, default: str | None = None) -> Words | None:
    """The words of a page in `lang` (fallback order: docs/i18n.md); None when it reads English."""
    if not lang and not default or normalized(lang).split("_")[0] == SOURCE_LOCALE:
        return None  # an English page reads the code's own words, whatever the site's default
    global _state  # noqa: PLW0603 (one tuple swapped at once: requests on other threads see the old or the new)
    known = _catalogue().locales()
    locales, chains = _state
    if locales is not known:
        with _lock:
            if _state[0] is not known:
                _state = (known, {})
            locales, chains = _state
    key = f"{lang}\n{default or ''}"
    if key in chains:
        return chains[key]
    chain = tuple(known[c] for c in fallback_order(lang, default) if c != SOURCE_LOCALE and c in known)
    words = Words(chain) if chain else None
    if len(chains) < MAX_TAGS:
        chains[key] = words
    return words


def strip_in(result: RecResult, lang: str | None, default: str | None = None) -> RecResult:
    """`result` with its title and reasons in the page's language; `result` itself when the page reads English."""
    words = words_for(lang, default)
    if words is None:
        return result
    return dataclasses.replace(result, title=words.text(result.title),
                               items=[(product, words.reason(reason)) for product, reason in result.items])
