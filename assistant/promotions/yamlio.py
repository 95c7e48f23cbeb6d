"""Campaigns as YAML: export_yaml writes a file marketers can edit; import_yaml reads it back with line numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from assistant import safe_yaml
from assistant.flows.loader import Locator, located_data
from assistant.promotions.checks import parse_campaign
from assistant.promotions.models import CampaignIn
from assistant.promotions.problems import FieldProblem, InvalidFields
from assistant.safe_yaml import YamlProblem

_PART = re.compile(r"([^.\[\]]+)|\[([0-9]{1,6})\]")


class _Dumper(yaml.SafeDumper):
    """Writes multi-line messages as literal blocks."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def export_yaml(campaigns: Sequence[CampaignIn]) -> str:
    """A YAML document `campaigns: [...]` with every campaign, leaving out fields at their defaults."""
    return yaml.dump({"campaigns": [_plain(c) for c in campaigns]}, Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, width=100)


def _plain(campaign: CampaignIn) -> dict[str, Any]:
    data = campaign.model_dump(exclude_defaults=True)
    tz = ZoneInfo(campaign.schedule.timezone)
    for end in ("start", "end"):  # written as wall-clock time with its offset, as the marketer thinks of it
        if data.get("schedule", {}).get(end):
            data["schedule"][end] = data["schedule"][end].astimezone(tz)
    return {"name": campaign.name, "placement": campaign.placement, "status": campaign.status, **data}


def import_yaml(text: str) -> list[CampaignIn]:
    """Parse and fully check a YAML file of campaigns; InvalidFields lists every problem with its line."""
    data, locator = _compose(text)
    items = data.get("campaigns") if isinstance(data, dict) else data
    listed = isinstance(data, list)
    if not isinstance(items, list):
        raise InvalidFields([FieldProblem("campaigns", "the file must hold `campaigns:` with a list of campaigns",
                                          *locator.at())])
    campaigns, problems = [], []
    for index, item in enumerate(items):
        try:
            campaigns.append(parse_campaign(item, prefix=f"campaigns[{index}]"))
        except InvalidFields as exc:
            problems += [_located(p, locator, listed) for p in exc.problems]
    names = [c.name for c in campaigns]
    problems += [_located(FieldProblem(f"campaigns[{i}].name", f"the name '{n}' is used twice"), locator, listed)
                 for i, n in enumerate(names) if n in names[:i]]
    if problems:
        raise InvalidFields(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    return campaigns


def _compose(text: str) -> tuple[Any, Locator]:
    locator = Locator()
    try:
        node = safe_yaml.compose(text)
        for duplicate in safe_yaml.duplicate_keys(node) if node is not None else []:
            raise duplicate  # the last would silently win
        return located_data(node) if node is not None else (None, locator)
    except YamlProblem as exc:
        message = f"syntax error: {exc.message}" if exc.syntax else f"{exc.message} ({exc.hint})"
        raise InvalidFields([FieldProblem("yaml", message, exc.line, exc.column)]) from None


def _located(problem: FieldProblem, locator: Locator, listed: bool) -> FieldProblem:
    path: tuple[str | int, ...] = tuple(name or int(index) for name, index in _PART.findall(problem.field))
    if listed and path[:1] == ("campaigns",):
        path = path[1:]
    line, column = locator.key(*path) if problem.message == "unknown field" else locator.at(*path)
    return FieldProblem(problem.field, problem.message, line, column)
