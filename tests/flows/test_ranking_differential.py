"""The quiz engine over the catalog index answers byte for byte what the engine over products answers.

`engine.results` and `rank_reference.rank` over a list of Product objects are the reference: the index engine
must give the same JSON (products, scores, reasons, misses, relaxed, matching count, fallback) for
generated catalogs, flows, answer sequences and merchandising rules. DIFF_EXAMPLES sets how many
catalogs and flows are tried, each with every prefix of one answer sequence, with and without rules
(600 by default, as in CI; benchmarks/README.md records a longer run).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.api.shapes import results_json
from assistant.catalog.index import index_of_rows
from assistant.catalog.models import Product, ProductPublic
from assistant.flows import best, ranking
from assistant.flows.answers import Answers, give_answer, next_question
from assistant.flows.engine import ResultSet
from assistant.flows.schema import Flow, Question
from assistant.merchandising.rules import parse_rules
from tests.flows import rank_reference

EXAMPLES = int(os.environ.get("DIFF_EXAMPLES", "600"))
NAMES = ["terrain", "color", "tags", "size", "weight", "waterproof", "price", "rating", "category"]
WORDS = ["road", "Road", " trail", "trail", "mixed", "x", "1", "true", "Blue", "blue ", "Ä", "oa"]

words = st.sampled_from(WORDS)
numbers = st.one_of(st.integers(-5, 300), st.floats(-5, 300, allow_nan=False, allow_infinity=False),
                    st.sampled_from([0, 1, 1.0, 2.5, 100]))
values = st.one_of(words, numbers, st.booleans(), st.lists(words, max_size=3))


# The strategies a product row and a spec draw from, built once: built inside the loops (each row, each spec),
# building them cost more than drawing from them (2.2x the generation time, for the very same examples).
ROW = {"attributes": st.dictionaries(st.sampled_from(NAMES[:6] + ["price"]), values, max_size=5),
       "title": st.sampled_from(["A", "B", "Boot", "boot", "Ä", "b"]), "price": st.integers(0, 40_000),
       "currency": st.sampled_from(["EUR", "EUR", "JPY"]),
       "categories": st.lists(st.sampled_from(["Shoes", "Socks", "Bags"]), max_size=2, unique=True),
       "rating": st.one_of(st.none(), st.sampled_from([0.0, 3.5, 4.0, 5.0]), st.floats(0, 5)),
       "popularity": st.one_of(st.sampled_from([0.0, 1.0, 2.5]), st.floats(0, 100)), "in_stock": st.booleans()}
SCALAR = st.one_of(words, st.integers(0, 300), st.booleans())
SPEC = {"names": st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True),
        "kind": st.sampled_from(["value", "list", "not", "contains", "excludes", "range", "min"]),
        "list": st.lists(SCALAR, min_size=1, max_size=3), "words": st.lists(words, min_size=1, max_size=2),
        "lo": st.integers(-5, 300), "span": st.integers(0, 200), "weighted": st.booleans(),
        "weight": st.sampled_from([0.5, 2, 3.25])}


@st.composite
def catalogs(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """Product rows as the product query returns them, in SKU order."""
    count = draw(st.integers(0, 30))
    rows = []
    for number in range(count):
        attributes = draw(ROW["attributes"])
        rows.append((number + 1, f"sku-{number:03d}", draw(ROW["title"]),
                     f"/p/{number}", "", draw(ROW["price"]), draw(ROW["currency"]),
                     draw(ROW["categories"]),
                     draw(ROW["rating"]),
                     attributes, draw(ROW["popularity"]),
                     draw(ROW["in_stock"]) or draw(ROW["in_stock"])))
    return rows


@st.composite
def specs(draw: st.DrawFn, *, weight: bool = False) -> dict[str, Any]:
    """A filter or boost mapping of one or two attributes."""
    out: dict[str, Any] = {}
    for name in draw(SPEC["names"]):
        kind = draw(SPEC["kind"])
        if kind == "value":
            spec: Any = draw(SCALAR)
        elif kind == "list":
            spec = draw(SPEC["list"])
        elif kind in ("not", "contains", "excludes"):
            spec = {kind: draw(SPEC["words"])}
        else:
            lo = draw(SPEC["lo"])
            spec = {"min": lo} if kind == "min" else {"min": lo, "max": lo + draw(SPEC["span"])}
        if weight and isinstance(spec, dict) and draw(SPEC["weighted"]):
            spec["weight"] = draw(SPEC["weight"])
        out[name] = spec
    return out


FLOW = {"questions": st.integers(1, 5), "kind": st.sampled_from(["single", "single", "multi", "range", "scale"]),
        "importance": st.integers(1, 10), "flag": st.booleans(), "filter": st.one_of(st.just({}), specs()),
        "boost": st.one_of(st.just({}), specs(weight=True)), "answers": st.integers(1, 4), "lo": st.integers(0, 200),
        "field": st.sampled_from(["price", "weight", "rating", "color"]), "span": st.integers(1, 300),
        "weight": st.sampled_from([1.0, 2, 0.3]),
        "scope": st.one_of(st.just({}), st.just({"category": "Shoes"}), specs()),
        "fallback": st.sampled_from(["popular", "rating", "none"]), "count": st.integers(1, 8)}


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    """A flow of up to five questions of every type, with conditions, importance and a scope."""
    questions: list[dict[str, Any]] = []
    for number in range(draw(FLOW["questions"])):
        kind = draw(FLOW["kind"])
        question: dict[str, Any] = {"id": f"q{number}", "text": f"Question {number}?", "type": kind,
                                    "importance": draw(FLOW["importance"]), "optional": draw(FLOW["flag"])}
        if kind in ("single", "multi"):
            question["answers"] = [
                {"id": f"a{i}", "text": f"Answer {i}", "filter": draw(FLOW["filter"]), "boost": draw(FLOW["boost"])}
                for i in range(draw(FLOW["answers"]))]
        else:
            lo = draw(FLOW["lo"])
            question.update(field=draw(FLOW["field"]), min=lo, max=lo + draw(FLOW["span"]))
            if kind == "scale":
                question["weight"] = draw(FLOW["weight"])
        earlier = [q for q in questions if q["type"] in ("single", "multi")]
        if earlier and draw(FLOW["flag"]):
            target = draw(st.sampled_from(earlier))
            question["when"] = {target["id"]: draw(st.sampled_from([a["id"] for a in target["answers"]]))}
        questions.append(question)
    scope = draw(FLOW["scope"])
    fallback = draw(FLOW["fallback"])
    return Flow(id="f", title="Flow", scope=scope, questions=questions,
                results={"count": draw(FLOW["count"]), "fallback": fallback})


def answer_value(draw: st.DrawFn, question: Question) -> Any:
    """A valid answer to `question` (None for an optional one skipped)."""
    if question.optional and draw(st.integers(0, 5)) == 0:
        return None
    ids = [a.id for a in question.answers]
    if question.type == "single":
        return draw(st.sampled_from(ids))
    if question.type == "multi":
        return draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
    lo, hi = question.min or 0, question.max or 0
    if question.type == "scale":
        return draw(st.floats(lo, hi, allow_nan=False))
    a, b = sorted(draw(st.lists(st.integers(int(lo) - 20, int(hi) + 20), min_size=2, max_size=2)))
    return [a, b]


rules = st.lists(st.fixed_dictionaries({"action": st.sampled_from(["boost", "bury", "exclude", "pin"]),
                                        "spec": specs(), "factor": st.sampled_from([None, 0.5, 2, 5]),
                                        "placements": st.sampled_from([None, ["quiz_results"], ["home"]])}), max_size=3)


def rule_file(drawn: list[dict[str, Any]]) -> dict[str, Any]:
    """The rules as a merchandising file would say them."""
    entries = []
    for rule in drawn:
        entry: dict[str, Any] = {rule["action"]: "sku-001" if rule["action"] == "pin" else rule["spec"]}
        if rule["factor"] is not None and rule["action"] in ("boost", "bury"):
            entry["factor"] = rule["factor"]
        if rule["placements"] and not (rule["action"] == "pin" and rule["placements"] == ["quiz_results"]):
            entry["placements"] = rule["placements"]
        entries.append(entry)
    return {"rules": entries}


def product_of(row: tuple[Any, ...]) -> Product:
    """The Product the database would give for a row."""
    pk, sku, title, url, image, price_minor, currency, categories, rating, attributes, popularity, in_stock = row
    return Product(id=pk, site_id=1, sku=sku, title=title, url=url, image=image, price_minor=price_minor,
                   currency=currency, categories=categories, rating=rating, attributes=attributes,
                   popularity=popularity, in_stock=in_stock)


def results_public(quiz_id: str, result: ResultSet, *, explain: bool) -> dict[str, Any]:
    """The results' JSON shape as the API wrote it with jsonify before results_json: the reference for its text."""
    return {
        "quiz": quiz_id,
        "items": [
            {"product": ProductPublic.of(m.product).model_dump(), "score": m.score,
             "reasons": [{"kind": r.kind, "text": r.text} for r in m.reasons] if explain else [],
             "misses": m.misses}
            for m in result.items
        ],
        "relaxed": [{"question": r.question_id, "text": r.question_text, "label": r.label} for r in result.relaxed],
        "matching": result.matching,
        "fallback": result.fallback,
    }


def public(result: ResultSet) -> str:
    """The results as `jsonify` would send the reference shape (sorted keys, compact)."""
    return json.dumps(results_public("q", result, explain=True), sort_keys=True, separators=(",", ":")) + "\n"


@contextmanager
def bounded_from_the_first_product() -> Iterator[None]:
    """ranking's other paths: ranges tested on the positions left however many, and the bounded scan for
    any number of matching products, one product in the first chunk."""
    kept = ranking.BOUNDED_FROM, best.FIRST_CHUNK, ranking.SPARSE_BELOW
    ranking.BOUNDED_FROM, best.FIRST_CHUNK, ranking.SPARSE_BELOW = 1, 1, 10**9
    try:
        yield
    finally:
        ranking.BOUNDED_FROM, best.FIRST_CHUNK, ranking.SPARSE_BELOW = kept


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=catalogs(), flow=flows(), drawn_rules=rules, data=st.data())
def test_the_index_engine_answers_what_the_product_engine_answers(
        rows: list[tuple[Any, ...]], flow: Flow, drawn_rules: list[dict[str, Any]], data: st.DataObject) -> None:
    index = index_of_rows(1, rows)
    in_stock = [product_of(row) for row in rows if row[-1]]
    merch = parse_rules(rule_file(drawn_rules))
    answers: Answers = []
    while True:
        for chosen in ((), merch):
            expected = public(rank_reference.rank(flow, answers, in_stock, chosen))
            assert results_json("q", ranking.rank(flow, answers, index, chosen), explain=True) == expected, \
                (answers, chosen)  # the index engine, encoded as the API sends it
            with bounded_from_the_first_product():  # and its other paths
                assert results_json("q", ranking.rank(flow, answers, index, chosen), explain=True) == expected, \
                    (answers, chosen, "bounded")
        question = next_question(flow, answers)
        if question is None:
            break
        answers = give_answer(flow, answers, question.id, answer_value(data.draw, question))
