"""A flow or survey in a page's language: the same object with its texts looked up in the catalogue."""

from __future__ import annotations

import threading
from typing import TypeVar

from pydantic import BaseModel

from assistant.i18n.catalogue import SOURCE_LOCALE, Catalogue
from assistant.i18n.texts import texts

Model = TypeVar("Model", bound=BaseModel)
_LIMIT = 512
_kept: dict[tuple[int, str], tuple[BaseModel, BaseModel]] = {}
_lock = threading.Lock()


def localized(model: Model, catalogue: Catalogue, tag: str | None, default: str | None = None) -> Model:
    """`model` (a Flow or Survey) with every shopper-read text in the first locale of the fallback order that
    translates it; the same object when nothing is translated. Kept per object and locale, so a cache keyed by
    the object (the quiz results) stays warm."""
    if not tag and not default:  # no language asked for, none set for the site: the file's own texts
        return model
    consulted = catalogue.consulted(tag, default)
    if not consulted or consulted[0] == SOURCE_LOCALE:
        return model
    known = catalogue.locales()  # keyed by the catalogues that decide the texts, not the raw tag: de-AT is de
    key = (id(model), "|".join(f"{c}:{id(known.get(c))}" for c in consulted))
    kept = _kept.get(key)
    if kept is not None and kept[0] is model:
        return kept[1]  # type: ignore[return-value]
    data = model.model_dump()
    lookup = {path: catalogue.lookup(text, tag, default) for path, text in texts(data)}
    changed = {path: text for path, text in lookup.items() if text != _at(data, path)}
    result = model if not changed else type(model).model_validate(_set(data, changed))
    with _lock:
        if len(_kept) >= _LIMIT:
            _kept.clear()
        _kept[key] = (model, result)
    return result


def _at(data: object, path: tuple[str | int, ...]) -> object:
    for part in path:
        data = data[part]  # type: ignore[index]
    return data


def _set(data: dict[str, object], changed: dict[tuple[str | int, ...], str]) -> dict[str, object]:
    for path, text in changed.items():
        parent: object = data
        for part in path[:-1]:
            parent = parent[part]  # type: ignore[index]
        parent[path[-1]] = text  # type: ignore[index]
    return data
