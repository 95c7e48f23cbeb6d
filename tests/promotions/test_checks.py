"""Campaign input: every field validated, every problem reported at once with its field path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from assistant.errors import Invalid
from assistant.promotions.checks import parse_campaign
from assistant.promotions.problems import InvalidFields
from tests.promotions.helpers import campaign_data


def problems(**overrides: Any) -> dict[str, str]:
    with pytest.raises(InvalidFields) as caught:
        parse_campaign(campaign_data(**overrides))
    return {p.field: p.message for p in caught.value.problems}


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"name": "  "}, "name", "at least 1 character"),
    ({"name": "x" * 201}, "name", "at most 200"),
    ({"placement": "sidebar"}, "placement", "must be one of: 'cart', 'checkout', 'product', 'any'"),
    ({"status": "running"}, "status", "'draft', 'live', 'paused' or 'ended'"),
    ({"priority": "high"}, "priority", "valid integer"),
    ({"priority": 5000}, "priority", "less than or equal to 1000"),
    ({"colour": "red"}, "colour", "unknown field"),
    ({"caps": {"per_day": 0}}, "caps.per_day", "greater than or equal to 1"),
    ({"caps": {"per_week": 2}}, "caps.per_week", "unknown field"),
    ({"schedule": {"timezone": "Europe/Berlni"}}, "schedule.timezone", "unknown time zone 'Europe/Berlni'"),
    ({"schedule": {"start": "soon"}}, "schedule.start", "valid datetime"),
    ({"schedule": {"start": "2026-05-02T00:00", "end": "2026-05-01T00:00"}}, "schedule.end", "after the start"),
    ({"schedule": {"start": "2026-03-29T02:30", "timezone": "Europe/Berlin"}}, "schedule.start",
     "does not exist in Europe/Berlin"),
    ({"conditions": {"cart_value": {"min": "x"}}}, "conditions.cart_value.min", "must be a number"),
    ({"conditions": {"all": [{"device": "phone"}]}}, "conditions.all[0].device", "desktop, mobile, tablet"),
    ({"variants": []}, "variants", "at least 1 item"),
    ({"variants": [{"key": "a b", "message": "x"}]}, "variants[0].key", "should match pattern"),
    ({"variants": [{"key": "a", "message": "x", "weight": -1}]}, "variants[0].weight", "greater than or equal to 0"),
    ({"variants": [{"key": "a", "message": "x"}, {"key": "a", "message": "y"}]}, "variants[0].key",
     "used by 2 variants"),
    ({"variants": [{"key": "a", "message": "x", "weight": 0}]}, "variants", "weight above 0"),
    ({"variants": [{"key": "c", "control": True}]}, "variants", "add a variant with a message"),
    ({"variants": [{"key": "a", "message": "x"}, {"key": "c", "control": True}, {"key": "d", "control": True}]},
     "variants", "at most one control"),
    ({"variants": [{"key": "a", "message": "x"}, {"key": "c", "control": True, "message": "hi"}]},
     "variants[1].message", "control variant shows nothing"),
    ({"variants": [{"key": "a"}]}, "variants[0].message", "write the message"),
    ({"variants": [{"key": "a", "message": "Hi {{ frist_name }}"}]}, "variants[0].message",
     "line 1: 'frist_name' is not available"),
    ({"variants": [{"key": "a", "message": "ok\n{% if %}"}]}, "variants[0].message", "line 2: syntax error"),
    ({"variants": [{"key": "a", "message": "x", "cta": {"kind": "link", "text": "Go"}}]}, "variants[0].cta.url",
     "needs its URL"),
    ({"variants": [{"key": "a", "message": "x", "cta": {"kind": "link", "url": "/x"}}]}, "variants[0].cta.text",
     "needs its text"),
    ({"variants": [{"key": "a", "message": "x", "cta": {"kind": "link", "text": "Go", "url": "javascript:alert(1)"}}]},
     "variants[0].cta.url", "http(s) URL or a path"),
    ({"variants": [{"key": "a", "message": "x", "cta": {"kind": "link", "text": "Go", "url": "//evil.example"}}]},
     "variants[0].cta.url", "http(s) URL or a path"),
    ({"variants": [{"key": "a", "message": "x", "cta": {"kind": "coupon", "text": "Copy"}}]},
     "variants[0].cta.coupon", "needs its code"),
    ({"variants": [{"key": "a", "message": "x", "cta": {"kind": "products", "coupon": "X"}}]},
     "variants[0].cta.coupon", "only a coupon"),
    ({"variants": [{"key": "a", "message": "x", "cta": {"kind": "button"}}]}, "variants[0].cta.kind",
     "'none', 'link', 'coupon' or 'products'"),
])
def test_each_field_is_checked(overrides: dict[str, Any], field: str, words: str) -> None:
    found = problems(**overrides)
    assert field in found, found
    assert words in found[field], found[field]


def test_every_problem_is_reported_at_once() -> None:
    found = problems(placement="nowhere", schedule={"timezone": "Mars/Olympus"},
                     conditions={"visits": {"min": 0}},
                     variants=[{"key": "a", "message": "{{ nope }}"}])
    assert set(found) == {"placement", "schedule.timezone", "conditions.visits.min", "variants[0].message"}


def test_the_error_is_an_invalid_naming_the_first_field() -> None:
    with pytest.raises(Invalid) as caught:
        parse_campaign(campaign_data(placement="nowhere"))
    body = caught.value.to_json()["error"]
    assert body["field"] == "placement" and body["code"] == "invalid"
    assert body["problems"][0]["field"] == "placement"


def test_naive_schedule_times_are_read_in_the_campaign_time_zone() -> None:
    campaign = parse_campaign(campaign_data(schedule={"start": "2026-12-24T18:00", "end": "2026-12-27T00:00:00+00:00",
                                                      "timezone": "America/New_York"}))
    assert campaign.schedule.start == datetime(2026, 12, 24, 23, 0, tzinfo=UTC)
    assert campaign.schedule.start.tzinfo is UTC  # type: ignore[union-attr]
    assert campaign.schedule.end == datetime(2026, 12, 27, tzinfo=UTC)


def test_an_ambiguous_time_takes_the_first_occurrence() -> None:
    campaign = parse_campaign(campaign_data(schedule={"start": "2026-11-01T01:30", "timezone": "America/New_York"}))
    assert campaign.schedule.start == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, before clocks go back


def test_a_valid_campaign_with_everything() -> None:
    campaign = parse_campaign(campaign_data(
        priority=10, caps={"per_session": 1, "per_day": 2, "total": 5},
        conditions={"all": [{"cart_value": {"min": 20, "max": 49.99}}, {"not": {"device": "tablet"}}]},
        variants=[{"key": "gap", "weight": 45, "message": "Only {{ price(free_shipping_gap) }} to go",
                   "cta": {"kind": "products", "text": "Add one"}},
                  {"key": "coupon", "weight": 45, "message": "Take 10% off",
                   "cta": {"kind": "coupon", "text": "Copy code", "coupon": "SAVE-10"}},
                  {"key": "control", "weight": 10, "control": True}]))
    assert [v.key for v in campaign.variants] == ["gap", "coupon", "control"]
