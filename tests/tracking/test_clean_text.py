"""The ingest's shortcut: events parsed from JSON text that clean_json_text passes skip the per-string checks.

Numbers are still checked (NaN, Infinity and 1e999 parse from clean text: the generated events carry them).

It must never let through what the full check refuses: the same events are valid, and rejected for the same
fields, with and without it, for any body whose text it calls clean.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.storable import clean_json_text
from assistant.tracking.service import parse_batch

SITE: Any = SimpleNamespace(currency="EUR")
NOW = datetime(2026, 12, 1, tzinfo=UTC)

texts = st.text(st.sampled_from("a-\x00é\ud83d\u2028"), min_size=1, max_size=4) \
    | st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(["NaN", "nan", "-inf", "1e999", "12.5"])
scalars = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True, allow_infinity=True) \
    | texts
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                      max_leaves=8)
page_views = st.fixed_dictionaries({"id": st.just("evt-00000009"), "type": st.just("page_view")},
                                   optional={"title": texts, "page": texts, "referrer": texts, "ts": scalars})
answers = st.fixed_dictionaries({"id": st.just("evt-00000008"), "type": st.just("quiz_answer"), "flow": st.just("f"),
                                 "quiz": st.just("q")}, optional={"value": values, "ts": scalars})
events = page_views | answers | st.fixed_dictionaries(
    {"id": st.sampled_from(["evt-00000001", "evt-00000002", "evt-00000003", "bad"]),
     "type": st.sampled_from(["page_view", "product_view", "search", "custom", "identify", "quiz_answer", "cart"])},
    optional={"page": texts, "sku": texts, "query": texts, "ts": scalars, "price": scalars, "name": texts,
              "props": values, "traits": values, "value": values, "flow": texts, "quiz": texts, "title": texts,
              "items": st.lists(st.fixed_dictionaries({"sku": texts}, optional={"price": scalars}), max_size=2)})


def outcome(body: dict[str, Any], clean: bool) -> tuple[Any, ...]:
    parsed = parse_batch(body, site=SITE, user_agent="Mozilla/5.0", now=NOW, clean_text=clean)
    return ([e.model_dump_json() for e in parsed.events], parsed.columns, [(r.index, r.field) for r in parsed.rejected])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events, min_size=1, max_size=4), st.sampled_from([False, True]))
@example([{"id": "evt-00000008", "type": "quiz_answer", "flow": "f", "quiz": "q", "value": math.nan}], False)
@example([{"id": "evt-00000008", "type": "quiz_answer", "flow": "f", "quiz": "q", "value": [1e999]}], False)
@example([{"id": "evt-00000009", "type": "page_view", "title": "a\x00"}], False)
@example([{"id": "evt-00000008", "type": "quiz_answer", "flow": "f", "quiz": "q", "value": "\ud83d"}], False)
def test_a_clean_text_is_validated_as_without_the_shortcut(batch: list[dict[str, Any]], ascii_only: bool) -> None:
    body = {"visitor": "visitor-0001", "events": batch}
    try:
        raw = json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
        parsed_back = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return  # a body that does not even parse is refused before any event is looked at
    if clean_json_text(raw):
        assert outcome(parsed_back, True) == outcome(parsed_back, False)


@pytest.mark.parametrize("raw", [
    b'{"t": "a\\u0000b"}', b'{"t": "\\ud83d"}', b'{"t": "\\u00e9"}', b'{"t": "\xed\xa0\xbd"}', b'{"t": "\xed\xbf\xbf"}',
    '{"t": 1}'.encode("utf-16"),
    '{"t": 1}'.encode("utf-32-le"),
])
def test_text_that_could_hold_an_unstorable_string_is_not_clean(raw: bytes) -> None:
    assert not clean_json_text(raw)


def test_korean_text_is_clean() -> None:
    """ED is also the first byte of Hangul syllables (U+D000-U+D7FF): only ED A0-BF is a surrogate."""
    assert clean_json_text(json.dumps({"t": "\ud55c\uad6d \ud7a3"}, ensure_ascii=False).encode())


def test_a_widget_batch_is_clean() -> None:
    body = {"visitor": "visitor-0001", "events": [
        {"id": "evt-00000001", "type": "product_view", "sku": "SKU-12", "price": 1.5e3, "ts": 1764547200000.5,
         "page": "/p/Schuhe-für-Läufer?utm_source=x"}]}
    assert clean_json_text(json.dumps(body, ensure_ascii=False).encode())
