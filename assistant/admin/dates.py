"""The admin's date ranges: ?from=YYYY-MM-DD&to=YYYY-MM-DD, read one way on every page that has one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import abort, request

from assistant.timeutil import utcnow

DEFAULT_DAYS = 90


def day(name: str, text: str | None) -> date | None:
    """The day `text` names (YYYY-MM-DD), None when empty; 400 naming the field otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        abort(400, f"{name} must be a date written YYYY-MM-DD, such as 2026-11-30.")


def utc_range(default_days: int = DEFAULT_DAYS) -> tuple[datetime | None, datetime | None, dict[str, str]]:
    """The request's range as UTC instants (start included, end excluded; None: open on that side) and the days as
    given back to the form; both days included; without either, the last `default_days` days."""
    today = utcnow().date()
    given = {"from": request.args.get("from"), "to": request.args.get("to")}
    if given["from"] is None and given["to"] is None:
        given = {"from": (today - timedelta(days=default_days - 1)).isoformat(), "to": today.isoformat()}
    days = {name: day(name, text) for name, text in given.items()}
    if days["from"] and days["to"] and days["from"] > days["to"]:
        abort(400, "The range's first day (from) must not be after its last day (to).")
    start = datetime.combine(days["from"], time.min, tzinfo=UTC) if days["from"] else None
    end = datetime.combine(days["to"] + timedelta(days=1), time.min, tzinfo=UTC) if days["to"] else None
    return start, end, {k: v.isoformat() if v else "" for k, v in days.items()}
