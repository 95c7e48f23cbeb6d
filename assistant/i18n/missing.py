"""`flows check` and `surveys check`: a text of a file offered in a locale (`locales:`) with no translation there."""

from __future__ import annotations

from typing import Any

from assistant.flows.loader import Locator
from assistant.flows.problems import Problem
from assistant.i18n.catalogue import Catalogue, normalized
from assistant.i18n.extract import locator_texts


def missing_translations(data: Any, locator: Locator, catalogue: Catalogue, path: str) -> list[Problem]:
    """A warning at the line of each text not translated into a locale the file names in `locales:`, and one at
    `locales:` for a locale with no catalogue at all (a text untranslated is shown in English)."""
    wanted = data.get("locales") if isinstance(data, dict) else None
    if not isinstance(wanted, list):
        return []
    known = catalogue.locales()
    problems: list[Problem] = []
    for i, tag in enumerate(wanted):
        locale = normalized(tag if isinstance(tag, str) else "")
        found = known.get(locale)
        if found is None:
            problems.append(Problem(*locator.at("locales", i), f"no catalogue for locale '{tag}'",
                                    f"run `assistant i18n update --locale {tag}`, translate "
                                    f"translations/{locale or tag}/LC_MESSAGES/messages.po, then "
                                    "`assistant i18n compile`", "warning", path))
            continue
        problems += [Problem(line, column, f"no '{tag}' translation of \"{_short(text)}\"",
                             f"translate it in translations/{locale}/LC_MESSAGES/messages.po (run `assistant i18n "
                             "update` first if it is not there); until then it shows in English", "warning", path)
                     for (line, column), text in locator_texts(data, locator) if text not in found.texts]
    return problems


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."
