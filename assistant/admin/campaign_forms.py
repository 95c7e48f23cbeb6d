"""The campaign form: flat fields named by the problems' own paths, to campaign data and back.

Every input is named by the path a FieldProblem uses (`schedule.start`, `variants[1].cta.url`), so
a problem finds its field by name, and the form is always re-rendered from what the marketer typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import yaml

from assistant.promotions.models import CampaignIn
from assistant.promotions.problems import FieldProblem

MIN_ROWS = 2
MAX_ROWS = 10
TEXTS = ("name", "placement", "status", "priority", "schedule.start", "schedule.end", "schedule.timezone",
         "caps.per_session", "caps.per_day", "caps.total", "conditions", "allocation.mode", "allocation.metric",
         "allocation.min_share")
SECTIONS = ("schedule", "caps", "variants", "allocation")
VARIANT_TEXTS = ("key", "weight", "message", "cta.kind", "cta.text", "cta.url", "cta.coupon")
ROW = re.compile(r"^variants\[([0-9]{1,6})\]")
LOCAL = "%Y-%m-%dT%H:%M"
TIMEZONES = sorted(available_timezones() - {"localtime", "Factory"})


@dataclass
class CampaignForm:
    """What the marketer typed (or what is stored), its variant rows, and the problems per field."""

    values: dict[str, str]
    rows: int = MIN_ROWS
    problems: list[FieldProblem] = field(default_factory=list)

    def value(self, name: str) -> str:
        """The typed value of field `name` ('' when empty)."""
        return self.values.get(name, "")

    def errors(self, name: str) -> list[str]:
        """The messages of the problems shown at field (or section) `name`."""
        return [message for at, message in self.placed() if at == name]

    def placed(self) -> list[tuple[str, str]]:
        """Every problem as (the field or section it is shown at, its message)."""
        return [place(p, self.known()) for p in self.problems]

    def known(self) -> set[str]:
        """Every field and section name of this form."""
        names = {*TEXTS, *SECTIONS}
        for row in range(self.rows):
            names |= {row_name(row, part) for part in (*VARIANT_TEXTS, "control")} | {f"variants[{row}]"}
        return names


def row_name(row: int, part: str) -> str:
    """The field name of `part` in variant row `row`: variants[1].cta.url."""
    return f"variants[{row}].{part}"


def field_id(name: str) -> str:
    """An HTML id for field `name`: variants[1].cta.url -> f-variants-1-cta-url."""
    return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")


def field_label(name: str) -> str:
    """How the error summary names field `name`: 'variants[1].cta.url' -> 'Variant 2, cta url'."""
    match = ROW.match(name)
    if match:
        rest = name[match.end():].lstrip(".").replace(".", " ").replace("_", " ")
        return f"Variant {int(match.group(1)) + 1}{', ' + rest if rest else ''}"
    if name == "form":
        return "Campaign"
    return name.replace(".", ", ").replace("_", " ").capitalize()


def place(problem: FieldProblem, known: set[str]) -> tuple[str, str]:
    """The nearest field or section of `problem` (trimming its path), with what the trimmed part says."""
    path = problem.field
    while path and path not in known:
        path = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path) if re.search(r"[.\[]", path) else ""
    if not path:
        return "form", problem.format()
    rest = problem.field[len(path):].lstrip(".")
    return path, f"{rest}: {problem.message}" if rest else problem.message


def blank_form(timezone: str = "UTC") -> CampaignForm:
    """A new campaign: on the cart, a draft, one variant to write and a spare row."""
    return CampaignForm({"placement": "cart", "status": "draft", "priority": "0", "schedule.timezone": timezone,
                         row_name(0, "key"): "a", row_name(0, "weight"): "1", "allocation.mode": "fixed",
                         "allocation.metric": "conversion", "allocation.min_share": "5"})


def form_of(campaign: CampaignIn) -> CampaignForm:
    """The form of a stored campaign, times shown as wall-clock time in its time zone."""
    tz = ZoneInfo(campaign.schedule.timezone)
    values = {"name": campaign.name, "placement": campaign.placement, "status": campaign.status,
              "priority": str(campaign.priority), "schedule.timezone": campaign.schedule.timezone,
              "conditions": conditions_text(campaign.conditions), "allocation.mode": campaign.allocation.mode,
              "allocation.metric": campaign.allocation.metric,
              "allocation.min_share": percent_text(campaign.allocation.min_share)}
    for end in ("start", "end"):
        when = getattr(campaign.schedule, end)
        values[f"schedule.{end}"] = when.astimezone(tz).strftime(LOCAL) if when else ""
    for cap in ("per_session", "per_day", "total"):
        number = getattr(campaign.caps, cap)
        values[f"caps.{cap}"] = "" if number is None else str(number)
    for row, variant in enumerate(campaign.variants):
        values.update({row_name(row, "key"): variant.key, row_name(row, "weight"): str(variant.weight),
                       row_name(row, "message"): variant.message, row_name(row, "cta.kind"): variant.cta.kind,
                       row_name(row, "cta.text"): variant.cta.text, row_name(row, "cta.url"): variant.cta.url,
                       row_name(row, "cta.coupon"): variant.cta.coupon})
        if variant.control:
            values[row_name(row, "control")] = "on"
    return CampaignForm(values, rows=max(MIN_ROWS, len(campaign.variants)))


def percent_text(share: float) -> str:
    """A share as the form shows it, in percent: 0.05 -> '5', 0.125 -> '12.5'."""
    return f"{100 * share:.4g}"


def conditions_text(conditions: dict[str, Any]) -> str:
    """A condition tree as compact YAML, one condition a line ('' for none)."""
    if not conditions:
        return ""
    return yaml.safe_dump(conditions, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100)


def read_form(posted: Mapping[str, str]) -> CampaignForm:
    """The form as posted: every known field's text, and as many rows as were sent."""
    rows = [int(m.group(1)) for name in posted if (m := ROW.match(name))]
    form = CampaignForm({}, rows=min(MAX_ROWS, max([MIN_ROWS - 1, *rows]) + 1))
    names = form.known() - {*SECTIONS} - {f"variants[{row}]" for row in range(form.rows)}
    form.values = {name: str(posted[name]) for name in names if name in posted}
    return form


def add_row(form: CampaignForm) -> CampaignForm:
    """The form with one more (empty) variant row."""
    form.rows = min(MAX_ROWS, form.rows + 1)
    form.values.setdefault(row_name(form.rows - 1, "weight"), "1")
    return form


def remove_row(form: CampaignForm, row: int) -> CampaignForm:
    """The form without variant row `row` (later rows move up)."""
    values = {k: v for k, v in form.values.items() if not k.startswith(f"variants[{row}].")}
    moved = {}
    for name, value in values.items():
        match = ROW.match(name)
        index = int(match.group(1)) if match else -1
        moved[f"variants[{index - 1}]{name[match.end():]}" if match and index > row else name] = value
    return CampaignForm(moved, rows=max(MIN_ROWS, form.rows - 1))


def blank_row(form: CampaignForm, row: int) -> bool:
    """Whether variant row `row` was left empty (it is then skipped, not refused)."""
    parts = ("key", "message", "cta.text", "cta.url", "cta.coupon", "control")
    return not any(form.value(row_name(row, part)).strip() for part in parts)
