"""YAML export and import: a lossless round trip, and problems with their line and column."""

from __future__ import annotations

import pytest
import yaml

from assistant.promotions.checks import parse_campaign
from assistant.promotions.problems import InvalidFields
from assistant.promotions.yamlio import export_yaml, import_yaml
from tests.promotions.helpers import campaign_data

CAMPAIGNS = [
    parse_campaign(campaign_data(
        name="Free shipping gap", priority=10, caps={"per_session": 1, "per_day": 3},
        conditions={"all": [{"cart_value": {"min": 0.01, "max": 49.99}}, {"not": {"device": "tablet"}}]},
        schedule={"start": "2026-10-25T02:30", "end": "2026-12-31T23:59", "timezone": "Europe/Berlin"},
        variants=[{"key": "gap", "weight": 90, "message": "Only {{ price(free_shipping_gap) }} to go!\n"
                                                          "Add {{ items[0].title }}.",
                   "cta": {"kind": "products", "text": "Add it"}},
                  {"key": "control", "weight": 10, "control": True}])),
    parse_campaign(campaign_data(name="Instalments", placement="checkout", status="paused",
                                 variants=[{"key": "a", "message": "Pay in 3",
                                            "cta": {"kind": "link", "text": "How", "url": "/pay-later"}}])),
]


def test_export_then_import_gives_the_same_campaigns() -> None:
    text = export_yaml(CAMPAIGNS)
    assert import_yaml(text) == CAMPAIGNS
    assert "start: 2026-10-25 02:30:00+02:00" in text  # wall-clock time in the campaign's zone, with its offset
    assert "message: |-\n" in text  # multi-line messages stay readable
    assert yaml.safe_load(text)["campaigns"][1]["status"] == "paused"


def test_a_bare_list_imports_too() -> None:
    text = yaml.safe_dump([{"name": "x", "placement": "cart", "variants": [{"key": "a", "message": "Hi"}]}])
    assert import_yaml(text)[0].name == "x"


def test_problems_carry_their_line() -> None:
    text = export_yaml(CAMPAIGNS)
    text = text.replace("max: 49.99", "max: lots").replace("kind: link", "kind: lnk")
    text = text.replace("timezone: Europe/Berlin", "timezone: Europe/Berlni")
    lines = text.splitlines()
    with pytest.raises(InvalidFields) as caught:
        import_yaml(text)
    found = {p.field: p for p in caught.value.problems}
    assert set(found) == {"campaigns[0].conditions.all[0].cart_value.max", "campaigns[1].variants[0].cta.kind",
                          "campaigns[0].schedule.timezone"}
    for problem in found.values():
        assert problem.line is not None
    assert "lots" in lines[found["campaigns[0].conditions.all[0].cart_value.max"].line - 1]  # type: ignore[operator]
    assert "lnk" in lines[found["campaigns[1].variants[0].cta.kind"].line - 1]  # type: ignore[operator]
    assert caught.value.problems == sorted(caught.value.problems, key=lambda p: p.line or 0)
    assert caught.value.problems[0].format().startswith("line ")


def test_unknown_keys_point_at_the_key() -> None:
    text = "campaigns:\n  - name: x\n    placement: cart\n    variants:\n      - key: a\n        mesage: hi\n"
    with pytest.raises(InvalidFields) as caught:
        import_yaml(text)
    unknown = next(p for p in caught.value.problems if p.field == "campaigns[0].variants[0].mesage")
    assert (unknown.line, unknown.column, unknown.message) == (6, 9, "unknown field")


@pytest.mark.parametrize(("text", "words"), [
    ("campaigns:\n  - name: [\n", "syntax error"),
    ("", "must hold `campaigns:`"),
    ("campaigns: 3\n", "must hold `campaigns:`"),
])
def test_broken_files_are_explained(text: str, words: str) -> None:
    with pytest.raises(InvalidFields) as caught:
        import_yaml(text)
    assert words in caught.value.problems[0].message


def test_duplicate_names_are_refused() -> None:
    text = export_yaml([CAMPAIGNS[0], CAMPAIGNS[0]])
    with pytest.raises(InvalidFields) as caught:
        import_yaml(text)
    assert caught.value.problems[0].field == "campaigns[1].name"
