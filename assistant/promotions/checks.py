"""parse_campaign: structure (pydantic), then meaning (time zone, schedule, conditions, templates, variants)."""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from assistant.promotions.bandit import Arm, control_share
from assistant.promotions.models import AllocationIn, CampaignIn, CtaIn, ScheduleIn, VariantIn
from assistant.promotions.problems import FieldProblem, InvalidFields, problems_of
from assistant.promotions.render import check_template
from assistant.promotions.rules import validate_conditions

_COUPON = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_PART = re.compile(r"([^.\[\]]+)|\[([0-9]{1,6})\]")


def parse_campaign(data: Any, prefix: str = "") -> CampaignIn:
    """Validate campaign input (a dict from a form, JSON or YAML); InvalidFields lists every problem."""
    try:
        campaign = CampaignIn.model_validate(data)
    except ValidationError as exc:
        structural = problems_of(exc, prefix)
        raise InvalidFields(structural + _rechecked(data, structural, prefix)) from None
    problems = list(campaign_problems(campaign, prefix))
    if problems:
        raise InvalidFields(problems)
    return campaign.model_copy(update={"schedule": normalized_schedule(campaign.schedule)})


def campaign_problems(campaign: CampaignIn, prefix: str = "") -> Iterable[FieldProblem]:
    """The problems of a structurally valid campaign."""
    at = f"{prefix}." if prefix else ""
    yield from _schedule_problems(campaign.schedule, f"{at}schedule")
    yield from validate_conditions(campaign.conditions, f"{at}conditions")
    yield from _variants_problems(campaign.variants, f"{at}variants")
    yield from _allocation_problems(campaign.allocation, campaign.variants, f"{at}allocation")


def zone(name: str) -> ZoneInfo | None:
    """The IANA time zone `name`, or None if there is none of that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def localize(when: datetime, tz: ZoneInfo) -> datetime:
    """`when` in `tz`: a naive time is read as wall-clock time there (the earlier one when ambiguous)."""
    return when.astimezone(tz) if when.tzinfo else when.replace(tzinfo=tz)


def exists(when: datetime, tz: ZoneInfo) -> bool:
    """Whether the naive wall-clock time `when` happens in `tz` (not skipped by a DST change)."""
    local = when.replace(tzinfo=tz)
    return local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == when


def normalized_schedule(schedule: ScheduleIn) -> ScheduleIn:
    """The schedule with both ends in UTC (naive ends read in its time zone)."""
    tz = ZoneInfo(schedule.timezone)
    return schedule.model_copy(update={"start": localize(schedule.start, tz).astimezone(UTC) if schedule.start
                                       else None,
                                       "end": localize(schedule.end, tz).astimezone(UTC) if schedule.end else None})


def _schedule_problems(schedule: ScheduleIn, path: str) -> Iterable[FieldProblem]:
    tz = zone(schedule.timezone)
    if tz is None:
        yield FieldProblem(f"{path}.timezone", f"unknown time zone '{schedule.timezone}'; "
                                               "use an IANA name such as Europe/Berlin or America/New_York")
        return
    for name in ("start", "end"):
        when = getattr(schedule, name)
        if when is not None and when.tzinfo is None and not exists(when, tz):
            yield FieldProblem(f"{path}.{name}", f"{when:%Y-%m-%d %H:%M} does not exist in {schedule.timezone} "
                                                 "(the clocks skip it for daylight saving time)")
    if schedule.start and schedule.end and localize(schedule.end, tz) <= localize(schedule.start, tz):
        yield FieldProblem(f"{path}.end", "must be after the start")


def _variants_problems(variants: list[VariantIn], path: str) -> Iterable[FieldProblem]:
    for key, count in Counter(v.key for v in variants).items():
        if count > 1:
            index = [v.key for v in variants].index(key)
            yield FieldProblem(f"{path}[{index}].key", f"the key '{key}' is used by {count} variants")
    if sum(v.control for v in variants) > 1:
        yield FieldProblem(path, "a campaign has at most one control variant")
    if all(v.control for v in variants):
        yield FieldProblem(path, "add a variant with a message (a control alone shows nothing)")
    if sum(v.weight for v in variants) <= 0:
        yield FieldProblem(path, "at least one variant needs a weight above 0")
    for index, variant in enumerate(variants):
        yield from _variant_problems(variant, f"{path}[{index}]")


def _allocation_problems(allocation: AllocationIn, variants: list[VariantIn], path: str) -> Iterable[FieldProblem]:
    if allocation.mode != "bandit":
        return
    playing = [v for v in variants if not v.control and v.weight > 0]
    if len(playing) < 2:
        yield FieldProblem(f"{path}.mode", "a bandit chooses between two or more message variants with a weight "
                                           "above 0: add one, or split traffic by weight (fixed)")
        return
    room = 1 - control_share([Arm(v.key, v.weight, v.control) for v in variants])
    if allocation.min_share * len(playing) > room + 1e-9:
        yield FieldProblem(f"{path}.min_share", f"{len(playing)} variants at {allocation.min_share:.0%} each need more "
                                                f"than the {room:.0%} of traffic the control leaves them")


def _variant_problems(variant: VariantIn, path: str) -> Iterable[FieldProblem]:
    if variant.control:
        if variant.message or variant.cta != CtaIn():
            yield FieldProblem(f"{path}.message", "a control variant shows nothing: leave message and cta empty")
        return
    if not variant.message:
        yield FieldProblem(f"{path}.message", "write the message (a control variant has `control: true`)")
    else:
        problem = check_template(variant.message)
        if problem:
            yield FieldProblem(f"{path}.message", problem.format())
    yield from _cta_problems(variant.cta, f"{path}.cta")


def _cta_problems(cta: CtaIn, path: str) -> Iterable[FieldProblem]:
    if cta.kind == "link":
        if not cta.text:
            yield FieldProblem(f"{path}.text", "a link needs its text, such as 'Shop tents'")
        if not cta.url:
            yield FieldProblem(f"{path}.url", "a link needs its URL")
        elif not safe_url(cta.url):
            yield FieldProblem(f"{path}.url", "must be an http(s) URL or a path on the shop such as /sale")
    elif cta.url:
        yield FieldProblem(f"{path}.url", "only a link call to action has a URL")
    if cta.kind == "coupon" and not _COUPON.match(cta.coupon):
        yield FieldProblem(f"{path}.coupon", "a coupon needs its code: letters, digits, - and _")
    elif cta.kind != "coupon" and cta.coupon:
        yield FieldProblem(f"{path}.coupon", "only a coupon call to action has a code")


def safe_url(url: str) -> bool:
    """Whether `url` is an http(s) URL or a path on the same site (never javascript: or data:)."""
    if url.startswith("/"):
        return not url.startswith("//") and "\\" not in url
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _rechecked(data: Any, problems: list[FieldProblem], prefix: str) -> list[FieldProblem]:
    """The meaning checks, run with the structurally broken fields set aside, so every problem shows at once.

    A typo in the priority must not hide that the schedule ends before it starts.
    """
    if not isinstance(data, dict):
        return []
    repaired = copy.deepcopy(data)
    at = f"{prefix}." if prefix else ""
    for problem in problems:
        field = problem.field[len(at):] if problem.field.startswith(at) else problem.field
        path: list[str | int] = [name or int(index) for name, index in _PART.findall(field)]
        if path[:1] == ["conditions"]:
            path = path[:1]  # a condition tree is checked whole
        elif "cta" in path:
            path = path[:path.index("cta") + 1]  # its fields depend on each other (kind decides the rest)
        _set_aside(repaired, path)
    repaired["name"] = repaired.get("name") or "-"
    repaired.setdefault("placement", "cart")
    for index, variant in enumerate(repaired.get("variants") or []):
        if isinstance(variant, dict):
            variant.setdefault("key", f"row-{index}")
    try:
        campaign = CampaignIn.model_validate(repaired)
    except ValidationError:
        return []
    known = {p.field for p in problems}
    return [p for p in campaign_problems(campaign, prefix) if p.field not in known]


def _set_aside(data: Any, path: list[str | int]) -> None:
    for part in path[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return
    if path and isinstance(data, dict) and isinstance(path[-1], str):
        data.pop(path[-1], None)
