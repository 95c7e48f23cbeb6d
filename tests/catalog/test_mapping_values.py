"""ColumnMapping.values: the quick way for plain rows answers exactly what ProductIn validation answers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.catalog.mapping import ColumnMapping, RowProblem
from assistant.catalog.models import ProductIn
from assistant.catalog.values import VALUE_COLUMNS, values_of

MAPPINGS = [
    ColumnMapping(currency="EUR"),
    ColumnMapping(currency="JPY"),
    ColumnMapping(currency="usd", list_separator=";", category_separator="/"),
    ColumnMapping(attributes={"brand": "Brand"}),
    ColumnMapping(other_columns_as_attributes=False),
    ColumnMapping(fields={"sku": "code", "title": "Name"}),
]
COLUMNS = ["sku", "code", "id", "title", "Name", "description", "price", "currency", "categories", "stock",
           "rating", "url", "image", "Brand", "brand", "color", "Color ", "sizes", "weight_g"]
TEXTS = ["", " ", "A1", " A1 ", "x" * 129, "t" * 501, "u" * 2001, "12", "0", "-3", "12.5", "12.505", "1e3",
         "nan", "inf", "12,50", "007.5", "15.00 USD", "a|b", " a | b |", "|", "a;b", "Shoes>Trail|Sale",
         "Shoes/Trail;Sale", "in stock", "Out of Stock", "EUR", "eur", "ab", "Crème", "4.5", " 4.5", "4.",
         "-0", "99999999999999999999", "4.123456789012345678"]
VALUES = st.one_of(st.sampled_from(TEXTS), st.none(), st.integers(-5, 10**20), st.floats(allow_nan=False),
                   st.booleans(), st.lists(st.sampled_from(["a", "b", ""]), max_size=3), st.just([1, 2]),
                   st.just({"a": 1}), st.text(max_size=8))


def outcome(call: Any) -> str:
    """What a call returns, or the RowProblem it raises as (field, reason), as text (a NaN rating equals itself)."""
    try:
        return repr(call())
    except RowProblem as problem:
        return repr(("problem", problem.field, problem.reason))


def long_way(mapping: ColumnMapping, raw: dict[str, Any]) -> Any:
    item = mapping.apply(raw)
    return item.sku, values_of(item)


@st.composite
def rows(draw: st.DrawFn, mapping: ColumnMapping) -> dict[str, Any]:
    """A source row for `mapping`: mostly well-formed, with odd cells of every kind now and then."""
    sku, title = mapping.fields.get("sku", "sku"), mapping.fields.get("title", "title")
    row = {sku: draw(st.sampled_from(["A1", "B-2", "Z9"] + TEXTS)),
           title: draw(st.sampled_from(["Road shoe", "Trail"] + TEXTS)),
           "price": draw(st.sampled_from(["89.90", "5", "0.5", "12,50", "15.00 USD", "007.5"] + TEXTS))}
    others = [c for c in COLUMNS if c not in row]
    cells = st.one_of(st.sampled_from(["", "road|mixed", "280", "2.5", "Acme", " x "]), st.sampled_from(TEXTS),
                      VALUES)
    row.update(draw(st.dictionaries(st.sampled_from(others), cells, max_size=8)))
    if draw(st.booleans()):
        row = dict(draw(st.permutations(list(row.items()))))
    return row


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), mapping=st.sampled_from(MAPPINGS))
def test_values_are_what_productin_validation_makes_of_the_row(data: st.DataObject, mapping: ColumnMapping) -> None:
    raw = data.draw(rows(mapping))
    expected = outcome(lambda: long_way(mapping, raw))
    assert outcome(lambda: mapping.values(raw)) == expected
    assert outcome(lambda: mapping.values(raw)) == expected  # again, from what the quick way remembered


@settings(max_examples=300, deadline=None)
@given(raw=st.fixed_dictionaries({
    "sku": st.sampled_from(TEXTS), "title": st.sampled_from(TEXTS), "price": st.sampled_from(TEXTS),
    "stock": st.sampled_from(TEXTS), "rating": st.sampled_from(TEXTS), "categories": st.sampled_from(TEXTS),
    "color": st.sampled_from(TEXTS), "sizes": st.sampled_from(TEXTS), "weight_g": st.sampled_from(TEXTS)}))
def test_text_rows_as_a_csv_gives_them(raw: dict[str, str]) -> None:
    mapping = ColumnMapping()
    assert outcome(lambda: mapping.values(raw)) == outcome(lambda: long_way(mapping, raw))


def test_plain_rows_take_the_quick_way_and_others_the_long_one() -> None:
    mapping = ColumnMapping()
    plain = {"sku": "A1", "title": "Road shoe", "price": "89.90", "stock": "3", "rating": "4.5",
             "categories": "Shoes>Road|Sale", "terrain": "road|mixed", "weight_g": "280", "brand": "Acme"}
    plan = mapping._plan(tuple(plain))
    assert plan.quick is not None
    assert plan.quick.values(plain) == ("A1", (
        "Road shoe", "", "", "", "EUR", 3, 4.5, 8990, '["Road", "Sale"]',
        '{"terrain": ["road", "mixed"], "weight_g": 280, "brand": "Acme"}'))
    assert plan.quick.values({**plain, "price": "cheap"}) is None
    assert plan.quick.values({**plain, "weight_g": {"g": 280}}) is None
    constant = ColumnMapping(fields={"currency": {"value": "USD"}})
    assert constant._plan(tuple(plain)).quick is None


def test_every_productin_field_is_a_written_column() -> None:
    assert set(ProductIn.model_fields) == {"sku", *VALUE_COLUMNS}


@pytest.mark.parametrize(("row", "problem"), [
    ({"sku": "A1", "title": "", "price": "5"}, ("title", "is required")),
    ({"sku": "A1", "title": "T", "price": "cheap"}, ("price", "'cheap' is not a price")),
    ({"sku": "A1", "title": "T", "price": "5", "stock": "inf"}, ("stock", "'inf' is not a whole number or 'in stock'")),
    ({"sku": "A" * 129, "title": "T", "price": "5"}, ("sku", "String should have at most 128 characters")),
])
def test_bad_rows_are_worded_by_the_long_way(row: dict[str, str], problem: tuple[str, str]) -> None:
    with pytest.raises(RowProblem) as raised:
        ColumnMapping().values(row)
    assert (raised.value.field, raised.value.reason) == problem
