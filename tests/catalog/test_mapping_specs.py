"""The mapping language real feeds need: units, templates, constants, value maps, splits; each mistake at its line."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.catalog.mapping import ColumnMapping, RowProblem
from assistant.catalog.units import NotAQuantity, quantity
from assistant.mapping_file import load_mapping_text

ROW = {"laptop_ID": "1", "Company": "Acer", "Product": "Aspire É 3", "Inches": "15.6", "Ram": "8GB",
       "Memory": "128GB SSD +  1TB HDD", "OpSys": "Windows 10 S", "Weight": "1.37kg", "Price_euros": "649.00",
       "Cpu": "Intel Core i5 8250U 1.6GHz"}


def mapped(attributes: dict[str, Any], row: dict[str, str] = ROW, **fields: Any) -> Any:
    """The product a one-row feed becomes under a mapping with these attributes and fields."""
    mapping = ColumnMapping.from_dict({"sku": "laptop_ID", "title": "Product", "price": "Price_euros",
                                       "other_columns_as_attributes": False, **fields, "attributes": attributes})
    return mapping.apply(row)


@pytest.mark.parametrize(("spec", "value"), [
    ({"column": "Ram", "number": True}, 8),
    ({"column": "Ram", "unit": "GB"}, 8),
    ({"column": "Ram", "unit": "MB"}, 8000),
    ({"column": "Weight", "unit": "kg"}, 1.37),
    ({"column": "Weight", "unit": "g"}, 1370),
    ({"column": "Inches", "number": True}, 15.6),
    ({"column": "Cpu", "unit": "GHz"}, 1.6),
    ({"column": "Memory", "split": "+"}, ["128GB SSD", "1TB HDD"]),
    ({"column": "Memory", "split": "+", "unit": "GB", "combine": "sum"}, 1128),
    ({"column": "Memory", "split": "+", "unit": "TB", "combine": "max"}, 1),
    ({"column": "OpSys", "map": {"Windows 10 S": "windows", "macOS": "mac"}}, "windows"),
    ({"column": "OpSys", "map": {"windows 10 s": "windows"}}, "windows"),
    ({"column": "OpSys", "map": {"macOS": "mac"}}, "Windows 10 S"),
    ({"column": "OpSys", "map": {"macOS": "mac"}, "default": "other"}, "other"),
    ({"column": "Memory", "split": "+", "map": {"1TB HDD": "hdd", "128GB SSD": "ssd"}}, ["ssd", "hdd"]),
    ({"template": "{Company} {Product} ({Ram})"}, "Acer Aspire É 3 (8GB)"),
    ({"template": "{{{Company}}}"}, "{Acer}"),
    ({"value": "laptop"}, "laptop"),
    (5, 5),
    (True, True),
    ({"column": "Ram"}, "8GB"),
])
def test_each_spec_reads_what_a_feed_writes(spec: Any, value: Any) -> None:
    assert mapped({"it": spec}).attributes == {"it": value}


def test_unmapped_values_are_kept_dropped_or_refused() -> None:
    table = {"macOS": "mac"}
    assert mapped({"os": {"column": "OpSys", "map": table, "unmapped": "drop"}}).attributes == {}
    with pytest.raises(RowProblem) as raised:
        mapped({"os": {"column": "OpSys", "map": table, "unmapped": "error"}})
    assert (raised.value.field, raised.value.reason) == (
        "attributes.os", "'Windows 10 S' is not in the map (add it to `map:` or set `default:`)")


def test_titles_join_with_a_template_skus_with_a_slug_and_constants_are_constants() -> None:
    product = mapped({}, sku=["Company", "Product"], title={"template": "{Company}  {Product}"}, stock=5,
                     description={"value": "A laptop"})
    assert (product.sku, product.title, product.stock, product.description) == (
        "acer-aspire-e-3", "Acer Aspire É 3", 5, "A laptop")
    assert mapped({}, row={**ROW, "5": "12"}, stock="5").stock == 12  # quoted: the column named "5"


@pytest.mark.parametrize(("text", "unit", "decimal", "expected"), [
    ("1,5 l", "ml", ",", 1500),
    ("2 kg", "lb", ".", 4.409245243697551),
    ('15.6"', "cm", ".", 39.624),
    ("Size 5.", None, ".", 5),
    ("i5 7200U", None, ".", 7200),
])
def test_quantities(text: str, unit: str | None, decimal: str, expected: float) -> None:
    assert quantity(text, unit, decimal) == pytest.approx(expected)


@pytest.mark.parametrize(("text", "unit", "reason"), [
    ("n/a", "kg", "'n/a' has no number in kg or a unit of mass"),
    ("1,37kg", "kg", "'1,37kg': '1,37' is not a number with a decimal point; set `decimal: \",\"` if the feed "
                     "writes decimals with a comma"),
    ("8GB", "kg", "'8GB' has no number in kg or a unit of mass"),
])
def test_a_cell_without_the_quantity_is_a_row_problem(text: str, unit: str, reason: str) -> None:
    with pytest.raises(NotAQuantity, match="^" + reason.replace("(", r"\(").replace(")", r"\)") + "$"):
        quantity(text, unit)
    with pytest.raises(RowProblem) as raised:
        mapped({"w": {"column": "Weight", "unit": unit}}, row={**ROW, "Weight": text})
    assert (raised.value.field, raised.value.reason) == ("attributes.w", reason)


MISTAKES = """\
sku: [laptop_ID, 3]
title: [Company, Product]
stock:
price: {colum: Price_euros}
currency: EURO
encoding: klingon
categories: {flags: [A]}
descripton: Text
attributes:
  ram: {column: Ram, unit: furlong}
  os: {column: OpSys, default: other}
  storage: {column: Memory, split: "+", number: true}
  name: {template: "{Company"}
  kind: {value: x, split: "+"}
  combo: {column: A, template: "{B}"}
  how: {column: OpSys, map: {a: b}, unmapped: maybe}
  touch: {flags: {yes: Touchscreen}}
"""


def test_every_mistake_of_a_mapping_file_is_reported_at_its_line() -> None:
    loaded = load_mapping_text(MISTAKES, path="m.yaml")
    assert loaded.mapping is None
    assert [problem.format() for problem in loaded.problems] == [
        "m.yaml:1:18: error: sku[1]: a list here is columns joined into a slug, and needs column names\n"
        '    hint: quote a column named like a number: "3"',
        "m.yaml:2:8: error: title: a list of columns joins them into a slug, which is for `sku` alone\n"
        '    hint: to join text with spaces write {template: "{Company} {Product}"}',
        "m.yaml:3:7: error: stock: is empty\n    hint: name a column, or write {value: ...} for a constant",
        "m.yaml:4:9: error: price.colum: unknown key 'colum'\n    hint: did you mean `column`?",
        "m.yaml:5:11: error: currency: is a three-letter currency code\n    hint: e.g. EUR, USD",
        "m.yaml:6:11: error: encoding: 'klingon' is not a text encoding\n    hint: e.g. utf-8, latin-1, cp1252",
        "m.yaml:7:14: error: categories.flags: `flags` is for attributes, not product fields",
        "m.yaml:8:1: error: descripton: unknown key 'descripton'\n    hint: did you mean `description`?",
        "m.yaml:10:28: error: attributes.ram.unit: 'furlong' is not a unit this importer converts\n"
        "    hint: known: \", b, cl, cm, dl, ft, g, gb, ghz, hz, in, inch, inches, kb, kg, khz, km, kw, l, lb, lbs, "
        "m, mb, mg, mhz, ml, mm, oz, pb, t, tb, w; `number: true` reads the number alone",
        "m.yaml:11:23: error: attributes.os.default: `default` goes with `map`",
        "m.yaml:12:12: error: attributes.storage: a split list of numbers needs `combine: sum`, `max`, `min` or "
        "`first`\n    hint: a product's lists hold text, and a range filter needs one number",
        "m.yaml:13:20: error: attributes.name.template: a lone '{' or empty {} at character 1\n"
        "    hint: write {{ and }} for a brace of the text",
        "m.yaml:14:20: error: attributes.kind.split: `split` applies to a column or a template, not to `value`",
        "m.yaml:15:10: error: attributes.combo: give only one of column, template\n"
        "    hint: e.g. {column: Ram, unit: GB}",
        "m.yaml:16:47: error: attributes.how.unmapped: is one of keep, drop, error\n"
        "    hint: or write `default: VALUE` for every value not in the map",
        "m.yaml:17:19: error: attributes.touch.flags.True: the flag's value True is not text\n"
        "    hint: YAML reads yes/no/on/off as true/false: quote it",
    ]


def test_a_yaml_syntax_error_is_reported_alone_at_its_line() -> None:
    loaded = load_mapping_text("sku: id\nattributes:\n  ram: Ram\n   os: {colum: OpSys}\n", path="m.yaml")
    assert [(p.line, p.column, p.message) for p in loaded.problems] == [
        (4, 6, "YAML syntax error: mapping values are not allowed in this context")]
    assert loaded.mapping is None


HEADER = ["laptop_ID", "Company", "Product", "Ram", "Memory", "OpSys", "Weight", "Price_euros"]


def test_columns_the_header_lacks_are_errors_at_their_lines_with_the_closest_column() -> None:
    loaded = load_mapping_text("sku: laptop_ID\ntitle: {template: \"{Company} {Prodcut}\"}\nprice: Price_euros\n"
                               "attributes:\n  ram: {column: ram, unit: GB}\n  os: OpSystem\n"
                               "  touch: {flags: {touch: Touchscreen}}\n", path="m.yaml")
    assert loaded.mapping is not None
    columns = ", ".join(HEADER)
    assert [p.format() for p in loaded.header_problems(HEADER)] == [
        f"m.yaml:2:19: error: title.template: column 'Prodcut' is not in the file's header\n"
        f"    hint: did you mean 'Product'? the file's columns: {columns}",
        f"m.yaml:5:17: error: attributes.ram.column: column 'ram' is not in the file's header\n"
        f"    hint: did you mean 'Ram'? the file's columns: {columns}",
        f"m.yaml:6:7: error: attributes.os: column 'OpSystem' is not in the file's header\n"
        f"    hint: did you mean 'OpSys'? the file's columns: {columns}",
        f"m.yaml:7:26: error: attributes.touch.flags.touch: column 'Touchscreen' is not in the file's header\n"
        f"    hint: the file's columns: {columns}",
    ]
    without_price = load_mapping_text("sku: laptop_ID\ntitle: Product\n", path="m.yaml")
    assert [p.message for p in without_price.header_problems(HEADER[:-1])] == [
        "no column for `price` (none named price)"]


def test_a_bare_number_is_a_constant_and_a_quoted_one_a_column() -> None:
    loaded = load_mapping_text('sku: laptop_ID\ntitle: Product\nprice: Price_euros\nstock: 5\nrating: "4"\n')
    assert loaded.mapping is not None
    assert [p.message for p in loaded.header_problems(HEADER)] == ["rating: column '4' is not in the file's header"]


def test_plain_column_mappings_keep_the_quick_way_and_steps_take_the_long_one() -> None:
    columns = tuple(ROW)
    plain = ColumnMapping.from_dict({"sku": "laptop_ID", "title": "Product", "price": "Price_euros",
                                     "attributes": {"ram": "Ram"}})
    assert plain._plan(columns).quick is not None
    with_units = ColumnMapping.from_dict({"sku": "laptop_ID", "title": "Product", "price": "Price_euros",
                                          "attributes": {"ram": {"column": "Ram", "unit": "GB"}}})
    assert with_units._plan(columns).quick is None
    assert with_units.values(ROW) == with_units.values(ROW)  # the second time from what the spec remembered
    bad = {**ROW, "Ram": "lots"}
    for _ in range(2):  # a remembered problem is raised again, with the same words
        with pytest.raises(RowProblem, match="'lots' has no number in GB or a unit of data"):
            with_units.values(bad)


def test_a_key_written_twice_is_an_error_at_the_second_naming_the_first() -> None:
    loaded = load_mapping_text("sku: laptop_ID\ntitle: Product\nprice: Price_euros\ntitle: Company\n"
                               "attributes:\n  os: {column: OpSys, map: {macOS: mac, macOS: apple}}\n", path="m.yaml")
    assert loaded.mapping is None
    assert [(p.line, p.column, p.message) for p in loaded.problems] == [
        (4, 1, "'title' is written twice, here and at line 2"),
        (6, 41, "'macOS' is written twice, here and at line 6, column 29")]


def test_a_json_object_without_a_key_leaves_that_attribute_out_as_a_plain_column_does() -> None:
    row = {k: v for k, v in ROW.items() if k != "Ram"}
    assert mapped({"ram": "Ram", "ram_gb": {"column": "Ram", "unit": "GB"}}, row=row).attributes == {}
