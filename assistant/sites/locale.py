"""A site's default locale: the language shown to a page whose own language has no catalogue (docs/i18n.md)."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from assistant.errors import Invalid
from assistant.sites.models import Site

MAX_TAG = 35


def checked_locale(tag: str | None) -> str | None:
    """`tag` as a BCP 47 tag CLDR knows ('fr', 'de_ch' -> 'de-CH'); None for none; else Invalid naming the field."""
    tag = (tag or "").strip()
    if not tag:
        return None
    try:
        parsed = Locale.parse(tag.replace("-", "_")) if len(tag) <= MAX_TAG else None
    except (ValueError, UnknownLocaleError):
        parsed = None
    if parsed is None:
        raise Invalid(f"'{tag[:MAX_TAG]}' is not a locale CLDR knows: write a language tag such as fr, de-CH or pt-BR "
                      "(or nothing, for English)", field="default_locale")
    return "-".join(part for part in (parsed.language, parsed.script, parsed.territory, parsed.variant) if part)


def set_default_locale(*, site: Site, tag: str | None) -> None:
    """Give `site` a default locale (None or '': English), or Invalid when CLDR has no such locale."""
    site.default_locale = checked_locale(tag)
