"""Babel extraction for the YAML files (flows, surveys, campaigns): every shopper-read text with its line; and for
the Python modules whose words a shopper reads (the recommendation strips'), the texts marked with `N_()`.

Registered by the method map of `assistant i18n extract`; the Jinja templates use Jinja's own extractor and the
widget's modules Babel's JavaScript one (the `t('...')` calls)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

from assistant import safe_yaml
from assistant.flows.loader import Locator, located_data
from assistant.i18n.texts import texts
from assistant.safe_yaml import YamlProblem

TRANSLATORS = "Translators:"


def parsed(text: str) -> tuple[Any, Locator]:
    """A YAML document's data and line marks; (None, empty) for one that does not parse (`flows check` and
    `surveys check` report it)."""
    try:
        node = safe_yaml.compose(text)
    except YamlProblem:
        return None, Locator()
    return located_data(node) if node is not None else (None, Locator())


def located_texts(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every translatable text of a YAML document written in English (a survey with its own
    `locale:` is a per-locale file, translated by hand: docs/i18n.md)."""
    data, locator = parsed(text)
    if isinstance(data, dict) and str(data.get("locale") or "en").split("-")[0].lower() != "en":
        return
    yield from ((line, value) for (line, _column), value in locator_texts(data, locator))


def extract_yaml(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
                 options: Mapping[str, Any]) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extraction method signature: (line, function name, message, comments)."""
    for line, value in located_texts(fileobj.read().decode("utf-8")):
        yield line, None, value, []


def extract_marked(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
                   options: Mapping[str, Any]) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's Python extractor looking for `N_("...")` alone (a `_` or `t` in Python code is no marker), with the
    `# Translators:` comment above a text as the translator's note."""
    tags = [*comment_tags, TRANSLATORS]
    found = extract_python(fileobj, {"N_": None}, tags, {"encoding": options.get("encoding", "utf-8")})
    for line, _function, message, comments in found:
        if isinstance(message, str):
            yield line, None, message, list(comments)


def extract_campaigns(campaigns: list[dict[str, Any]]) -> Iterator[tuple[int, str]]:
    """(campaign number, text) of the texts of campaigns given as data (the demo's, in Python)."""
    for number, campaign in enumerate(campaigns, start=1):
        yield from ((number, value) for _path, value in texts(campaign))


def locator_texts(data: Any, locator: Locator) -> Iterator[tuple[tuple[int, int], str]]:
    """((line, column), text) of every translatable text of parsed YAML."""
    yield from ((locator.at(*path), value) for path, value in texts(data))
