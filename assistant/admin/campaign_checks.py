"""Checking the campaign form: its texts read as campaign data, then every problem found at once.

Numbers and times that do not even parse are the form's own problems; everything else is the
promotions package's: parse_campaign reports every problem at once, message templates included.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from assistant import safe_yaml
from assistant.admin.campaign_forms import ROW, CampaignForm, blank_row, row_name
from assistant.numbers import MAX_INT, NotANumber, whole_number
from assistant.promotions.checks import parse_campaign
from assistant.promotions.models import CampaignIn
from assistant.promotions.problems import FieldProblem, InvalidFields
from assistant.safe_yaml import YamlProblem

_PART = re.compile(r"([^.\[\]]+)|\[([0-9]{1,6})\]")


def check_form(form: CampaignForm) -> CampaignIn | None:
    """The valid campaign of the form, or None with every problem stored in `form.problems`."""
    data, problems, rows = campaign_data(form)
    try:
        campaign = parse_campaign(data)
    except InvalidFields as exc:
        problems += [_renumbered(p, rows) for p in exc.problems]
        campaign = None
    form.problems = problems
    return None if problems else campaign


def campaign_data(form: CampaignForm) -> tuple[dict[str, Any], list[FieldProblem], list[int]]:
    """The campaign data of the form, problems of values that are not even numbers or times, and rows used."""
    problems: list[FieldProblem] = []
    data: dict[str, Any] = {"name": form.value("name"), "placement": form.value("placement"),
                            "status": form.value("status") or "draft"}
    _number(form, "priority", data, problems)
    schedule: dict[str, Any] = {"timezone": form.value("schedule.timezone") or "UTC"}
    for end in ("start", "end"):
        _time(form, f"schedule.{end}", schedule, problems)
    caps: dict[str, Any] = {}
    for cap in ("per_session", "per_day", "total"):
        _number(form, f"caps.{cap}", caps, problems)
    data.update(schedule=schedule, caps=caps)
    conditions, problem = read_conditions(form.value("conditions"))
    data["conditions"] = conditions
    problems += [problem] if problem else []
    rows = [row for row in range(form.rows) if not blank_row(form, row)]
    data["variants"] = [_variant(form, row, problems) for row in rows]
    data["allocation"] = _allocation(form, problems)
    return data, problems, rows


def _allocation(form: CampaignForm, problems: list[FieldProblem]) -> dict[str, Any]:
    """The allocation of the form; its floor is typed in percent (5 means 0.05 of all traffic)."""
    allocation: dict[str, Any] = {"mode": form.value("allocation.mode") or "fixed",
                                  "metric": form.value("allocation.metric") or "conversion"}
    text = form.value("allocation.min_share").strip().rstrip("%").strip()
    if text:
        try:
            percent = float(text)
        except ValueError:
            percent = math.nan
        if not 0 <= percent <= 50:
            problems.append(FieldProblem("allocation.min_share", f"must be a percentage from 0 to 50 (not '{text}')"))
        else:
            allocation["min_share"] = percent / 100
    return allocation


def read_conditions(text: str) -> tuple[Any, FieldProblem | None]:
    """The condition tree written as JSON or YAML ({} when empty), or the syntax problem with its line."""
    if not text.strip():
        return {}, None
    try:
        tree = safe_yaml.load(text)
    except YamlProblem as exc:
        where = f"line {exc.line}, column {exc.column}: "
        if exc.syntax:
            return {}, FieldProblem("conditions", f"{where}cannot read this as JSON or YAML: {exc.message}")
        return {}, FieldProblem("conditions", f"{where}{exc.message}; {exc.hint}")
    return ({} if tree is None else tree), None


def _variant(form: CampaignForm, row: int, problems: list[FieldProblem]) -> dict[str, Any]:
    variant: dict[str, Any] = {"key": form.value(row_name(row, "key")), "message": form.value(row_name(row, "message")),
                               "control": bool(form.value(row_name(row, "control")))}
    _number(form, row_name(row, "weight"), variant, problems, key="weight")
    variant["cta"] = {part: form.value(row_name(row, f"cta.{part}")) for part in ("text", "url", "coupon")}
    variant["cta"]["kind"] = form.value(row_name(row, "cta.kind")) or "none"
    return variant


def _number(form: CampaignForm, name: str, into: dict[str, Any], problems: list[FieldProblem],
            key: str | None = None) -> None:
    text = form.value(name).strip()
    if not text:
        return
    try:
        into[key or name.rpartition(".")[2]] = whole_number(text, low=-MAX_INT, high=MAX_INT)
    except NotANumber:
        problems.append(FieldProblem(name, f"must be a whole number (not '{text}')"))


def _time(form: CampaignForm, name: str, into: dict[str, Any], problems: list[FieldProblem]) -> None:
    text = form.value(name).strip()
    if not text:
        return
    try:
        into[name.rpartition(".")[2]] = datetime.fromisoformat(text)
    except ValueError:
        problems.append(FieldProblem(name, f"must be a date and time such as 2026-06-01T09:00 (not '{text}')"))


def _renumbered(problem: FieldProblem, rows: list[int]) -> FieldProblem:
    """A problem of the n-th variant sent, moved to the form row it came from (blank rows are skipped)."""
    match = ROW.match(problem.field)
    if not match or int(match.group(1)) >= len(rows):
        return problem
    return FieldProblem(f"variants[{rows[int(match.group(1))]}]{problem.field[match.end():]}", problem.message,
                        problem.line, problem.column)
