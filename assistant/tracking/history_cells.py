"""One cell of a history export read as what it holds: text, a whole quantity, a price, a date, a consent."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from assistant.catalog.cells import RowProblem
from assistant.catalog.specs import Spec
from assistant.tracking.history_mapping import HistoryMapping

YES = frozenset({"yes", "y", "true", "1", "subscribed", "opted_in"})
NO = frozenset({"no", "n", "false", "0", "unsubscribed", "not_subscribed", "opted_out"})


def column_reader(spec: Spec) -> Callable[[dict[str, Any]], Any]:
    """How a spec reads a row: a plain column straight from the row (every cell of every row goes through it)."""
    if not spec.plain:
        return spec.read
    column = spec.columns[0]

    def cell(raw: dict[str, Any]) -> Any:
        try:
            return raw[column]
        except KeyError:
            raise RowProblem(column, "column is missing from the file") from None
    return cell


def parse_date(text: str, mapping: HistoryMapping) -> datetime | None:
    """A date in the mapping's format (else ISO 8601) and time zone, in UTC; None when it is not one."""
    try:
        value = (datetime.strptime(text, mapping.date_format) if mapping.date_format
                 else datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=mapping.timezone)
    return value.astimezone(UTC)


def consent_of(value: Any) -> bool | None:
    """A consent cell as true or false: yes/no, true/false, 1/0, Shopify's subscribed states; else None."""
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower().replace(" ", "_")
    return True if text in YES else False if text in NO else None


def cell_text(value: Any) -> str:
    """A cell as stripped text ('' for none)."""
    return "" if value is None else str(value).strip()


def cell_quantity(value: Any) -> int:
    """A cell as a whole number of units (2.0 is 2); RowProblem when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = cell_text(value)
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not number.is_integer():
        raise RowProblem("quantity", f"'{text}' is not a whole number")
    return int(number)


def cell_price(value: Any) -> float:
    """A cell as a price of 0 or more; RowProblem when it is not one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(cell_text(value))
        except ValueError:
            raise RowProblem("price", f"'{cell_text(value)}' is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise RowProblem("price", f"'{cell_text(value)}' is not a price (a number of 0 or more)")
    return number
