"""A history export's rows -> validated orders, each once, counting what is left out and why.

Rows are grouped by order id. An order's rows may be apart (Online Retail interleaves a few invoices
of the same minute): an order is open until WINDOW lines have gone by without a row of it; a row of
an order already closed is skipped, with the reason, rather than stored as a second order (sort such
a file by order id). Each order is validated by the API's own shape (OrderIn), with room for more lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field, ValidationError

from assistant.catalog.cells import RowProblem
from assistant.tracking.history_cells import (
    cell_price,
    cell_quantity,
    cell_text,
    column_reader,
    consent_of,
    parse_date,
)
from assistant.tracking.history_files import FileProblem
from assistant.tracking.history_mapping import HistoryMapping
from assistant.tracking.history_report import HistoryReport
from assistant.tracking.orders import OrderIn
from assistant.tracking.schemas import Line

MAX_LINES = 10_000
"""Lines an imported order may hold; the API's OrderIn keeps its 200."""
MAX_QUANTITY = 1_000_000
"""Units of one line of an imported order; the API's Line keeps its 10,000."""
WINDOW = 50_000
"""Lines after an order's last row at which it is taken as complete."""
_DATES = 65_536
"""Distinct date texts remembered (an export repeats an order's date on each of its lines), bounded."""


class HistoryLine(Line):
    """An imported order line: a wholesale order may hold more of one item than a shopper's cart."""

    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class HistoryOrderIn(OrderIn):
    """An imported order: the API's shape, with room for a wholesale order's many lines."""

    items: list[HistoryLine] = Field(default=[], max_length=MAX_LINES)  # type: ignore[assignment]


Contact = tuple[str | None, bool | None]
"""A customer's e-mail and marketing consent as one order gave them (None: not given)."""
ReadyOrder = tuple[HistoryOrderIn, Contact]
"""A validated order and its customer's contact (not order fields: they go to the Customer row)."""


@dataclass
class _Draft:
    order_id: str
    line: int
    last: int
    rows: int = 0
    fields: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    value: float = 0.0
    problem: tuple[str, int] | None = None
    """(reason, line) of the first row that makes the order unusable."""


class OrderGrouper:
    """Rows -> validated orders, each once, counting what is left out and why."""

    def __init__(self, mapping: HistoryMapping, report: HistoryReport) -> None:
        self.mapping, self.report = mapping, report
        self.specs = {name: column_reader(spec) for name, spec in mapping.specs.items()}
        self.order_specs = [(n, s) for n, s in self.specs.items() if n not in ("order_id", "sku", "quantity", "price")]
        self.open: dict[str, _Draft] = {}
        self.closed: dict[str, int] = {}
        self.dates: dict[str, datetime | None] = {}

    def orders(self, rows: Iterator[tuple[int, dict[str, Any]] | FileProblem]) -> Iterator[ReadyOrder]:
        """The file's orders with their e-mail, each once WINDOW lines have passed without a row of it."""
        current = None
        for row in rows:
            if isinstance(row, FileProblem):
                if row.fatal:
                    self.report.problem = row
                    self._abandon()
                    break
                self.report.rows += 1
                self.report.skip(row.reason, row.line, rows=1)
                continue
            self.report.rows += 1
            line, raw = row
            key = self._row(line, raw, current)
            if key is not None:
                current = key
            if self.report.rows % 1000 == 0:
                yield from self._close(line - WINDOW)
        yield from self._close(None)

    def _abandon(self) -> None:
        """The file stops being readable: the orders still open may miss rows past that point, so none is stored."""
        for draft in self.open.values():
            self.report.orders += 1
            self.report.skip("order still open where the file stops being readable", draft.line, rows=draft.rows,
                             orders=1)
        self.open.clear()

    def _row(self, line: int, raw: dict[str, Any], current: str | None) -> str | None:
        try:
            order_id = cell_text(self.specs["order_id"](raw))
        except RowProblem as exc:
            self.report.skip(f"order_id: {exc.reason}", line)
            return None
        if not order_id:
            self.report.skip("no order id", line)
            return None
        draft = self.open.get(order_id)
        if draft is None:
            if order_id in self.closed:
                self.report.skip(f"rows of an order more than {WINDOW:,} lines after its other rows (sort the file "
                                 "by order id)", line)
                return None
            draft = self.open[order_id] = _Draft(order_id, line, line, problem=self._left_out(order_id, line))
        elif order_id != current:
            self.open[order_id] = self.open.pop(order_id)  # most recently seen last: the front is closed first
        draft.last = line
        draft.rows += 1
        if draft.problem is None:
            self._fill(draft, line, raw)
        return order_id

    def _fill(self, draft: _Draft, line: int, raw: dict[str, Any]) -> None:
        try:
            for name, spec in self.order_specs:
                if name not in draft.fields:
                    value = spec(raw)
                    if value is not None and value != "":
                        draft.fields[name] = value
            for column, reason in self.mapping.skip_columns:
                if cell_text(raw.get(column)):
                    draft.problem = (reason, line)
                    return
            self._line(draft, line, raw)
        except RowProblem as exc:
            draft.problem = (f"{exc.field}: {exc.reason}", line)

    def _line(self, draft: _Draft, line: int, raw: dict[str, Any]) -> None:
        sku = cell_text(self.specs["sku"](raw))
        if not sku:
            raise RowProblem("sku", "is empty")
        quantity = cell_quantity(self.specs["quantity"](raw)) if "quantity" in self.specs else 1
        price = cell_price(self.specs["price"](raw)) if "price" in self.specs else None
        if quantity <= 0:
            self.report.skip("line with a quantity below 1 (a return or a stock adjustment)", line)
            draft.rows -= 1  # counted here, not again with its order
            return
        draft.items.append({"sku": sku, "quantity": quantity} if price is None else
                           {"sku": sku, "quantity": quantity, "price": price})
        if price is not None:
            draft.value += quantity * price

    def _close(self, before: int | None) -> Iterator[ReadyOrder]:
        while self.open:
            order_id, draft = next(iter(self.open.items()))
            if before is not None and draft.last >= before:
                return
            del self.open[order_id]
            self.closed[order_id] = draft.line
            self.report.orders += 1
            order = self._order(draft)
            if order is not None:
                yield order, (cell_text(draft.fields.get("email")) or None,
                              consent_of(draft.fields.get("email_consent")))

    def _order(self, draft: _Draft) -> HistoryOrderIn | None:
        reason = self._reason(draft)
        if reason is not None:
            self.report.skip(reason[0], reason[1], rows=draft.rows, orders=1)
            return None
        fields = draft.fields
        data = {"order_id": draft.order_id, "value": round(draft.value, 6), "items": draft.items,
                "ordered_at": self._date(fields["ordered_at"])}
        if "total" in fields:
            data["value"] = cell_price(fields["total"])
        for name in ("currency", "customer_id"):
            if name in fields:
                data[name] = cell_text(fields[name]).upper() if name == "currency" else cell_text(fields[name])
        try:
            return HistoryOrderIn.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            self.report.skip(f"{'.'.join(str(p) for p in error['loc'][:1])}: {error['msg']}", draft.line,
                             rows=draft.rows, orders=1)
            return None

    def _left_out(self, order_id: str, line: int) -> tuple[str, int] | None:
        """The reason the mapping gives for leaving out every order whose id starts so (a cancellation)."""
        for prefix, reason in self.mapping.skip_prefixes:
            if order_id.startswith(prefix):
                return reason, line
        return None

    def _reason(self, draft: _Draft) -> tuple[str, int] | None:
        if draft.problem is not None:
            return draft.problem
        if "ordered_at" not in draft.fields:
            return "no order date", draft.line
        if self._date(draft.fields["ordered_at"]) is None:
            return f"ordered_at: '{draft.fields['ordered_at']}' is not a date", draft.line
        if not draft.items:
            return "no line with a quantity of 1 or more", draft.line
        if "total" in draft.fields:
            try:
                cell_price(draft.fields["total"])
            except RowProblem as exc:
                return f"total: {exc.reason}", draft.line
        return None

    def _date(self, value: Any) -> datetime | None:
        text = cell_text(value)
        if text not in self.dates:
            if len(self.dates) >= _DATES:
                self.dates.clear()
            self.dates[text] = parse_date(text, self.mapping)
        return self.dates[text]
