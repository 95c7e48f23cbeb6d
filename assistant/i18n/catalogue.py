"""The translations of every locale, read from `translations/<locale>/LC_MESSAGES/messages.po` (or its compiled
.mo when that is newer), and the fallback order a page's language tag is looked up in."""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from assistant.i18n.plurals import by_category, category_indexes
from assistant.paths import resource_dir

DOMAIN = "messages"
SOURCE_LOCALE = "en"
"""The language the files are written in: the last step of every fallback, never translated."""
WIDGET = "static/widget/"


def normalized(tag: str | None) -> str:
    """A BCP 47 tag as catalogue folders name it ('de-ch' -> 'de_CH'); '' for none or an unusable one."""
    parts = (tag or "").strip().replace("_", "-").split("-")
    if not parts[0].isalpha() or not 2 <= len(parts[0]) <= 3:
        return ""
    rest = [p.title() if len(p) == 4 else p.upper() if len(p) == 2 else p for p in parts[1:] if p.isalnum()]
    return "_".join([parts[0].lower(), *rest])


def fallback_order(tag: str | None, default: str | None = None) -> list[str]:
    """Where a page's language is looked for, first to last (see _fallback)."""
    return list(_fallback(tag, default))


@functools.lru_cache(maxsize=1024)
def _fallback(tag: str | None, default: str | None = None) -> tuple[str, ...]:
    """Where a page's language is looked for, first to last: the exact tag, its language, the site's default
    (exact, then its language), then the source language. 'de-AT' on a French-default site: de_AT, de, fr, en.
    A page in the source language reads it, whatever the site's default: 'en-GB' on it: en_GB, en."""
    order: list[str] = []
    for wanted in (normalized(tag), normalized(default)):
        for candidate in (wanted, wanted.split("_")[0]):
            if candidate == SOURCE_LOCALE:
                return (*order, SOURCE_LOCALE)
            if candidate and candidate not in order:
                order.append(candidate)
    return (*order, SOURCE_LOCALE)


@dataclass(frozen=True)
class Translations:
    """One locale's translated texts: source text -> translation (fuzzy and empty entries left out)."""

    locale: str
    texts: dict[str, str]
    widget: dict[str, str]
    """The widget's own strings (those extracted from static/widget/), which its modules fetch at once."""
    plurals: dict[str, dict[str, str]]
    """The widget's counted strings: English singular -> {CLDR plural category: translation} (docs/i18n.md)."""


def read_catalog(po: Path) -> Catalog:
    """The catalogue of one .po file (or of its .mo beside it, when that is at least as new)."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return read_mo(handle)
    with po.open("rb") as handle:
        return read_po(handle)


def widget_ids(template: Path) -> frozenset[str]:
    """The (singular) source texts the template (messages.pot) locates in static/widget/: how the widget's words are
    told apart in a compiled .mo, which keeps no locations."""
    if not template.is_file():
        return frozenset()
    with template.open("rb") as handle:
        return frozenset(_source(m) for m in read_po(handle) if any(f.startswith(WIDGET) for f, _line in m.locations))


def _source(message: Message) -> str:
    return str(message.id if isinstance(message.id, str) else message.id[0])


def _translations(locale: str, catalog: Catalog, widget_texts: frozenset[str] = frozenset()) -> Translations:
    done = [m for m in catalog if m.id and not m.fuzzy and m.string]
    widget = [m for m in done if _source(m) in widget_texts or any(f.startswith(WIDGET) for f, _line in m.locations)]
    indexes = category_indexes(locale, catalog.plural_expr)
    plurals = {str(m.id[0]): forms for m in widget
               if isinstance(m.id, tuple | list) and isinstance(m.string, tuple | list)
               and (forms := by_category(m.string, indexes))}
    return Translations(locale, _singulars(done), _singulars(widget), plurals)


def _singulars(messages: list[Message]) -> dict[str, str]:
    return {m.id: m.string for m in messages if isinstance(m.id, str) and isinstance(m.string, str)}


def direction(locale: str) -> str:
    """'rtl' for a right-to-left script (ar, he, fa, ur), else 'ltr' (CLDR's character order)."""
    try:
        return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"
    except (ValueError, UnknownLocaleError):
        return "ltr"


class Catalogue:
    """Every locale's translations in a folder, re-read when a file changes (checked at most once a second)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, float], ...] | None = None
        self._locales: dict[str, Translations] = {}
        self._checked = float("-inf")

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")) if self.folder.is_dir() else []

    def locales(self) -> dict[str, Translations]:
        """The translations of each locale with a catalogue, read again when a file has changed."""
        if time.monotonic() - self._checked < 1.0:
            return self._locales
        files, template = self._files(), self.folder / f"{DOMAIN}.pot"
        stamp = (*((str(f), max(f.stat().st_mtime, _mtime(f.with_suffix(".mo")))) for f in files),
                 (str(template), _mtime(template)))
        with self._lock:
            self._checked = time.monotonic()
            if stamp != self._stamp:
                widget = widget_ids(template)
                self._locales = {f.parent.parent.name: _translations(f.parent.parent.name, read_catalog(f), widget)
                                 for f in files}
                self._stamp = stamp
            return self._locales

    def chosen(self, tag: str | None, default: str | None = None) -> str:
        """The locale a page in `tag` is shown in: the first of the fallback order with a catalogue (or 'en')."""
        return next(iter(self.consulted(tag, default)), SOURCE_LOCALE)

    def consulted(self, tag: str | None, default: str | None = None) -> tuple[str, ...]:
        """The locales with a catalogue a text is looked for in, first to last: what decides the words shown, so
        what a cache of translated texts is keyed by (not the raw tag)."""
        known = self.locales()
        return tuple(c for c in _fallback(tag, default) if c in known)

    def lookup(self, text: str, tag: str | None, default: str | None = None) -> str:
        """`text` in the first locale of the fallback order that translates it; else `text` itself."""
        known = self.locales()
        for candidate in _fallback(tag, default):
            found = known.get(candidate)
            if found is not None and text in found.texts:
                return found.texts[text]
        return text


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


_CATALOGUES: dict[Path, Catalogue] = {}
FOLDER: Path | None = None
"""The translations folder when not the installation's (tests)."""


@functools.cache
def _installed_folder() -> Path:
    """The installation's translations folder, looked for on disk once (a stat per call cost 12 us a lookup)."""
    return resource_dir("translations")


def get_catalogue(folder: Path | None = None) -> Catalogue:
    """The process's catalogue of `folder` (default: the installation's translations folder)."""
    folder = folder or FOLDER or _installed_folder()
    if folder not in _CATALOGUES:
        _CATALOGUES[folder] = Catalogue(folder)
    return _CATALOGUES[folder]


def translated(text: str, locale: str | None, default: str | None = None) -> str:
    """`text` in the page's `locale` by the installation's catalogue (as the fallback order finds it, the site's
    `default` locale after the page's); itself for no locale or no translation."""
    return get_catalogue().lookup(text, locale, default) if text and (locale or default) else text
