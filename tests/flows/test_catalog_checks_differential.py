"""The catalog checks over the index report exactly what the list-based checks reported.

`catalog_checks_reference.check_against_catalog` over Product objects is the reference: for
generated catalogs and flow files (filters on the catalog's own names and values, near misses in
case and spacing, unknown ones, `when`, optional, neutral and boost-only answers, ranges, scales,
scopes), the index version must return the same problems (message, hint, level, line, column, in the
same order), under the real cap on visited answer-path nodes and under small ones that cut the walk
short. DIFF_EXAMPLES sets how many are tried (300 by default).
"""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.catalog.index import index_of_rows
from assistant.catalog.service import attribute_items
from assistant.flows import empty_paths
from assistant.flows.catalog_checks import check_against_catalog
from assistant.flows.loader import load_text
from assistant.flows.problems import Problem
from tests.flows import catalog_checks_reference as reference
from tests.flows.test_ranking_differential import NAMES, WORDS, catalogs, product_of

EXAMPLES = int(os.environ.get("DIFF_EXAMPLES", "300"))
CAPS = [1, 2, 3, 5, 8, 13, 40, 150, reference.MAX_PATHS]


def catalog_values(rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Each attribute name of the catalog and the values (list items one by one) its products have."""
    found: dict[str, list[Any]] = {}
    for row in rows:
        for name, value in attribute_items(product_of(row)):
            found.setdefault(name, []).extend(value if isinstance(value, list) else [value])
    return found


@st.composite
def specs(draw: st.DrawFn, known: dict[str, list[Any]], sloppy: bool, *, weight: bool = False) -> dict[str, Any]:
    """A filter or boost mapping on the catalog's names and values (`sloppy`: now and then others)."""
    names = st.sampled_from(sorted(known)) if known and not (sloppy and draw(st.integers(0, 5)) == 0) \
        else st.sampled_from([*NAMES, "terain"])
    out: dict[str, Any] = {}
    for name in draw(st.lists(names, min_size=1, max_size=2, unique=True)):
        ours = [v for v in known.get(name, []) if isinstance(v, (str, int, float))]
        scalar = st.one_of(st.sampled_from(ours), st.sampled_from(ours).map(lambda v: _near(v))) \
            if ours and not (sloppy and draw(st.integers(0, 3)) == 0) \
            else st.one_of(st.sampled_from(WORDS), st.integers(0, 300), st.booleans())
        kind = draw(st.sampled_from(["value", "list", "not", "contains", "excludes", "range", "min"]))
        if kind in ("range", "min") and not sloppy and not any(_number(v) for v in known.get(name, [])):
            kind = "list"
        if kind == "value":
            spec: Any = draw(scalar)
        elif kind == "list":
            spec = draw(st.lists(scalar, min_size=1, max_size=3))
        elif kind in ("not", "contains", "excludes"):
            spec = {kind: [str(v) for v in draw(st.lists(scalar, min_size=1, max_size=2))]}
        else:
            lo = draw(st.integers(-5, 300))
            spec = {"min": lo} if kind == "min" else {"min": lo, "max": lo + draw(st.integers(0, 200))}
        if weight and isinstance(spec, dict) and draw(st.booleans()):
            spec["weight"] = draw(st.sampled_from([0.5, 2]))
        out[name] = spec
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _near(value: Any) -> Any:
    """A catalog value as a merchandiser might mistype it: other case, stray spaces."""
    return f" {value.upper()}" if isinstance(value, str) else value


@st.composite
def flow_files(draw: st.DrawFn, known: dict[str, list[Any]]) -> str:
    """A flow file of up to six questions over the catalog `known` describes (a quarter of them sloppy)."""
    sloppy = draw(st.integers(0, 3)) == 0
    questions: list[dict[str, Any]] = []
    numeric = sorted(n for n, vs in known.items() if any(_number(v) for v in vs))
    fields = [*numeric, "weight", "color"] if sloppy else numeric or ["price"]
    for number in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["single", "single", "single", "multi", "range", "scale"]))
        question: dict[str, Any] = {"id": f"q{number}", "text": f"Question {number}?", "type": kind}
        if draw(st.booleans()):
            question["optional"] = True
        if kind in ("single", "multi"):
            loose = draw(st.integers(0, 3)) == 0  # no answer filters: nothing later can empty a set here
            question["answers"] = [answer(draw, known, sloppy, loose, i) for i in range(draw(st.integers(1, 5)))]
        else:
            lo = draw(st.integers(0, 200))
            question.update(field=draw(st.sampled_from(fields)), min=lo,
                            max=lo + draw(st.integers(1, 300)))
        earlier = [q for q in questions if q["type"] in ("single", "multi")]
        if earlier and draw(st.integers(0, 2)) == 0:
            target = draw(st.sampled_from(earlier))
            ids = [a["id"] for a in target["answers"]]
            question["when"] = {target["id"]: draw(st.one_of(st.sampled_from(ids),
                                                             st.lists(st.sampled_from(ids), min_size=1)))}
        questions.append(question)
    scope = draw(st.one_of(st.just({}), specs(known, sloppy)))
    return yaml.safe_dump({"id": "f", "title": "Flow", "scope": scope, "questions": questions}, sort_keys=False)


def answer(draw: st.DrawFn, known: dict[str, list[Any]], sloppy: bool, loose: bool, number: int) -> dict[str, Any]:
    """One answer: a filter (most often, never when `loose`), a boost, both, or neither (then mostly neutral)."""
    found: dict[str, Any] = {"id": f"a{number}", "text": f"Answer {number}"}
    if not loose and draw(st.integers(0, 3)):
        found["filter"] = draw(specs(known, sloppy))
    if draw(st.integers(0, 3)) == 0:
        found["boost"] = draw(specs(known, sloppy, weight=True))
    if "filter" not in found and draw(st.booleans()):
        found["neutral"] = True
    return found


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], str]:
    """A catalog (product rows in SKU order) and a flow file written for it."""
    rows = draw(catalogs())
    return rows, draw(flow_files(catalog_values(rows)))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=cases(), cap=st.sampled_from(CAPS))
def test_the_index_checks_report_what_the_product_checks_report(case: tuple[list[tuple[Any, ...]], str],
                                                                cap: int) -> None:
    rows, text = case
    loaded = load_text(text)
    assert loaded.flow is not None, (loaded.problems, text)
    products = [product_of(row) for row in rows]
    with mock.patch.object(reference, "MAX_PATHS", cap), mock.patch.object(empty_paths, "MAX_PATHS", cap):
        expected = reference.check_against_catalog(loaded.flow, loaded.locator, products, "f.yaml")
        got = check_against_catalog(loaded.flow, loaded.locator, index_of_rows(1, rows), "f.yaml")
    if any(p.level == "error" for p in expected):  # the reference stops at errors; the index checks go on
        got = [p for p in got if p.level == "error"]
    def where_and_what(found: list[Problem]) -> list[tuple[int, str, str, str]]:
        # an unknown value is now pointed at itself (its line and column), the reference points at its list
        return [(0 if p.message.startswith("no product has ") else p.line, p.level, p.message, p.hint)
                for p in found]
    assert where_and_what(got) == where_and_what(expected), text
