"""Import a shop's order history: an export of order lines -> verified orders (ShopOrder) and customers.

The API's ways in are built for live traffic: event times are clamped to the last seven days,
scripts are bots, calls are rate-limited and an order holds at most 200 lines. History goes around
all four, but not around the store: each order is validated by the API's own shape (OrderIn, with
room for more lines) and turned into its row by `orders.order_fields`, as `POST /api/v1/orders` is.

- Rows are grouped by order id. An order's rows may be apart (Online Retail interleaves a few
  invoices of the same minute): an order is open until WINDOW lines have gone by without a row of
  it; a row of an order already closed is skipped, with the reason, rather than stored as a second
  order (sort such a file by order id).
- Orders are stored with `source="history"`: purchases.sends_orders does not take an imported past
  as a sign that the shop's server now sends its orders (which would stop browser claims counting).
- An order without a customer id is stored (it is revenue and a basket) for no customer, and counted.
- Idempotent by order id: an order the site has (from any source) is left as it is and counted as
  known. Every BATCH orders are committed, so a re-run after a crash carries on where it stopped.
- Customers: a Customer row per customer id, first_seen / last_seen widened to the new orders' dates;
  a mapped e-mail becomes the `email` trait unless the customer already has one (identify's traits
  are the shop's own and newer than any export); a mapped marketing consent (Shopify's `Accepts
  Marketing`) becomes the `email_consent` trait the same way, the customer's latest order's answer
  within the file (abandoned-basket reminders go only to customers with it true).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from assistant.catalog.cells import RowProblem
from assistant.catalog.specs import Spec
from assistant.sites.models import Site
from assistant.timeutil import as_utc, utcnow
from assistant.tracking.history_files import FileProblem, Progress, read_history_rows
from assistant.tracking.history_mapping import HistoryMapping
from assistant.tracking.models import Customer, ShopOrder
from assistant.tracking.orders import OrderIn, order_fields
from assistant.tracking.schemas import Line

SOURCE = "history"
MAX_LINES = 10_000
"""Lines an imported order may hold; the API's OrderIn keeps its 200."""
MAX_QUANTITY = 1_000_000
"""Units of one line of an imported order; the API's Line keeps its 10,000."""
WINDOW = 50_000
"""Lines after an order's last row at which it is taken as complete."""
BATCH = 2_000
"""Orders written and committed together."""
FIRST_LINES = 5
"""Line numbers kept per skip reason, to show."""
_CHUNK = 500
_DATES = 65_536
"""Distinct date texts remembered (an export repeats an order's date on each of its lines), bounded."""


class HistoryLine(Line):
    """An imported order line: a wholesale order may hold more of one item than a shopper's cart."""

    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class HistoryOrderIn(OrderIn):
    """An imported order: the API's shape, with room for a wholesale order's many lines."""

    items: list[HistoryLine] = Field(default=[], max_length=MAX_LINES)  # type: ignore[assignment]


@dataclass
class Skipped:
    """Rows and orders left out for one reason, and the first lines where it happened."""

    rows: int = 0
    orders: int = 0
    lines: list[int] = field(default_factory=list)
    times: int = 0
    """How often it happened (a row, or an order of several rows): more than `lines` holds, or not."""

    def add(self, line: int, rows: int = 1, orders: int = 0) -> None:
        """Count `rows` rows (and `orders` orders) skipped, first seen at `line`."""
        self.rows += rows
        self.orders += orders
        self.times += 1
        if len(self.lines) < FIRST_LINES:
            self.lines.append(line)


@dataclass
class HistoryReport:
    """What an import read, stored, found already there and left out (with why), and how long it took."""

    rows: int = 0
    orders: int = 0
    """Orders read in the file (stored, known or skipped)."""
    stored: int = 0
    known: int = 0
    anonymous: int = 0
    """Orders stored without a customer id."""
    other_currency: dict[str, int] = field(default_factory=dict)
    """Orders stored in a currency not the site's, per currency (customer figures add up the site's alone)."""
    site_currency: str = ""
    customers_created: int = 0
    customers_updated: int = 0
    skipped: dict[str, Skipped] = field(default_factory=dict)
    problem: FileProblem | None = None
    """Why the file could not be read to its end (what came before was imported)."""
    dry_run: bool = False
    seconds: float = 0.0
    first: datetime | None = None
    last: datetime | None = None
    """The dates of the earliest and latest order stored."""

    def skip(self, reason: str, line: int, rows: int = 1, orders: int = 0) -> None:
        """Count something left out for `reason`."""
        self.skipped.setdefault(reason, Skipped()).add(line, rows, orders)


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


Contact = tuple[str | None, bool | None]
"""A customer's e-mail and marketing consent as one order gave them (None: not given)."""
_Ready = tuple[HistoryOrderIn, Contact]
"""A validated order and its customer's contact (not order fields: they go to the Customer row)."""
YES = frozenset({"yes", "y", "true", "1", "subscribed", "opted_in"})
NO = frozenset({"no", "n", "false", "0", "unsubscribed", "not_subscribed", "opted_out"})


@dataclass
class _Customer:
    first: datetime
    last: datetime
    email: str | None
    consent: bool | None = None
    consent_at: datetime | None = None
    """The date of the order `consent` is from: the latest order's answer wins."""

    def add_consent(self, consent: bool | None, when: datetime) -> None:
        if consent is not None and (self.consent_at is None or when >= self.consent_at):
            self.consent, self.consent_at = consent, when

    def traits(self, old: dict[str, Any]) -> dict[str, Any]:
        """`old` with this import's e-mail and consent where the customer has none yet."""
        traits = dict(old)
        if self.email and "email" not in traits:
            traits["email"] = self.email
        if self.consent is not None and "email_consent" not in traits:
            traits["email_consent"] = self.consent
        return traits


def import_history(*, session: Session, site: Site, path: Path, mapping: HistoryMapping,
                   encoding: str | None = None, progress: Progress | None = None,
                   dry_run: bool = False, now: datetime | None = None) -> HistoryReport:
    """Import the orders of the export at `path` into `site`, committing every BATCH orders.

    With `dry_run` nothing is written: the report says what would be stored, known and skipped.
    """
    started = time.perf_counter()
    report = HistoryReport(dry_run=dry_run, site_currency=site.currency)
    writer = _Writer(session, site, report, now or utcnow())
    grouper = _Grouper(mapping, report)
    rows = read_history_rows(path, encoding=encoding or mapping.encoding or "utf-8", progress=progress)
    for order, contact in grouper.orders(rows):
        writer.add(order, contact)
    writer.flush()
    report.seconds = time.perf_counter() - started
    return report


class _Grouper:
    """Rows -> validated orders, each once, counting what is left out and why."""

    def __init__(self, mapping: HistoryMapping, report: HistoryReport) -> None:
        self.mapping, self.report = mapping, report
        self.specs = {name: _reader(spec) for name, spec in mapping.specs.items()}
        self.order_specs = [(n, s) for n, s in self.specs.items() if n not in ("order_id", "sku", "quantity", "price")]
        self.open: dict[str, _Draft] = {}
        self.closed: dict[str, int] = {}
        self.dates: dict[str, datetime | None] = {}

    def orders(self, rows: Iterator[tuple[int, dict[str, Any]] | FileProblem]) -> Iterator[_Ready]:
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
            order_id = _text(self.specs["order_id"](raw))
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
                if _text(raw.get(column)):
                    draft.problem = (reason, line)
                    return
            self._line(draft, line, raw)
        except RowProblem as exc:
            draft.problem = (f"{exc.field}: {exc.reason}", line)

    def _line(self, draft: _Draft, line: int, raw: dict[str, Any]) -> None:
        sku = _text(self.specs["sku"](raw))
        if not sku:
            raise RowProblem("sku", "is empty")
        quantity = _quantity(self.specs["quantity"](raw)) if "quantity" in self.specs else 1
        price = _price(self.specs["price"](raw)) if "price" in self.specs else None
        if quantity <= 0:
            self.report.skip("line with a quantity below 1 (a return or a stock adjustment)", line)
            draft.rows -= 1  # counted here, not again with its order
            return
        draft.items.append({"sku": sku, "quantity": quantity} if price is None else
                           {"sku": sku, "quantity": quantity, "price": price})
        if price is not None:
            draft.value += quantity * price

    def _close(self, before: int | None) -> Iterator[_Ready]:
        while self.open:
            order_id, draft = next(iter(self.open.items()))
            if before is not None and draft.last >= before:
                return
            del self.open[order_id]
            self.closed[order_id] = draft.line
            self.report.orders += 1
            order = self._order(draft)
            if order is not None:
                yield order, (_text(draft.fields.get("email")) or None, consent_of(draft.fields.get("email_consent")))

    def _order(self, draft: _Draft) -> HistoryOrderIn | None:
        reason = self._reason(draft)
        if reason is not None:
            self.report.skip(reason[0], reason[1], rows=draft.rows, orders=1)
            return None
        fields = draft.fields
        data = {"order_id": draft.order_id, "value": round(draft.value, 6), "items": draft.items,
                "ordered_at": self._date(fields["ordered_at"])}
        if "total" in fields:
            data["value"] = _price(fields["total"])
        for name in ("currency", "customer_id"):
            if name in fields:
                data[name] = _text(fields[name]).upper() if name == "currency" else _text(fields[name])
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
                _price(draft.fields["total"])
            except RowProblem as exc:
                return f"total: {exc.reason}", draft.line
        return None

    def _date(self, value: Any) -> datetime | None:
        text = _text(value)
        if text not in self.dates:
            if len(self.dates) >= _DATES:
                self.dates.clear()
            self.dates[text] = _parse_date(text, self.mapping)
        return self.dates[text]


class _Writer:
    """Orders -> ShopOrder rows, BATCH at a time, and the customers they name."""

    def __init__(self, session: Session, site: Site, report: HistoryReport, now: datetime) -> None:
        self.session, self.site, self.report, self.now = session, site, report, now
        self.batch: list[_Ready] = []
        self.seen: dict[str, _Customer] = {}
        """The customers of the batch's stored orders."""
        self.created: set[str] = set()
        self.updated: set[str] = set()
        postgres = session.connection().dialect.name == "postgresql"
        self.insert = (postgres_insert if postgres else sqlite_insert)(ShopOrder.__table__)  # type: ignore[attr-defined]

    def add(self, order: HistoryOrderIn, contact: Contact) -> None:
        """Queue an order (and its customer's e-mail and consent); write the batch when it is full."""
        self.batch.append((order, contact))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Store the queued orders the site does not have yet, and commit (not in a dry run)."""
        batch, self.batch = self.batch, []
        if not batch:
            return
        known = _existing(self.session, self.site, [o.order_id for o, _ in batch])
        new = [(o, e) for o, e in batch if o.order_id not in known]
        self.report.known += len(batch) - len(new)
        if new and not self.report.dry_run:
            rows = [order_fields(site=self.site, order=o, source=SOURCE, now=self.now) for o, _ in new]
            self.session.execute(self.insert.on_conflict_do_nothing(index_elements=["site_id", "order_id"]), rows)
        for order, contact in new:
            self._stored(order, contact)
        self._customers()
        if not self.report.dry_run:
            self.session.commit()  # a batch's orders with their customers: a re-run after a crash misses neither

    def _stored(self, order: HistoryOrderIn, contact: Contact) -> None:
        email, consent = contact
        report, when = self.report, order.ordered_at or self.now
        report.stored += 1
        report.first = min(report.first or when, when)
        report.last = max(report.last or when, when)
        if order.currency not in (None, self.site.currency):
            report.other_currency[str(order.currency)] = report.other_currency.get(str(order.currency), 0) + 1
        if order.customer_id is None:
            report.anonymous += 1
            return
        seen = self.seen.get(order.customer_id)
        if seen is None:
            seen = self.seen[order.customer_id] = _Customer(when, when, email)
        else:
            seen.first, seen.last, seen.email = min(seen.first, when), max(seen.last, when), seen.email or email
        seen.add_consent(consent, when)

    def _customers(self) -> None:
        """Create or widen the Customer row of every customer of the batch's stored orders."""
        ids = sorted(self.seen)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            query = select(Customer).where(Customer.site_id == self.site.id, col(Customer.customer_id).in_(chunk))
            existing = {c.customer_id: c for c in self.session.exec(query)}
            new = [i for i in chunk if i not in existing and i not in self.created]  # (a dry run writes none)
            self.created.update(new)
            self.updated.update(i for i in existing if i not in self.created)
            if self.report.dry_run:
                continue
            if new:
                table = Customer.__table__  # type: ignore[attr-defined]
                self.session.execute(insert(table), [self._new_customer(i) for i in new])
            for customer in existing.values():
                self._widen(customer, self.seen[customer.customer_id])
        self.report.customers_created, self.report.customers_updated = len(self.created), len(self.updated)
        self.seen.clear()

    def _new_customer(self, customer_id: str) -> dict[str, Any]:
        seen = self.seen[customer_id]
        return {"site_id": self.site.pk, "customer_id": customer_id, "first_seen": seen.first,
                "last_seen": seen.last, "traits": seen.traits({})}

    def _widen(self, customer: Customer, seen: _Customer) -> None:
        traits = seen.traits(customer.traits)
        values = {"first_seen": min(as_utc(customer.first_seen), seen.first),
                  "last_seen": max(as_utc(customer.last_seen), seen.last), "traits": traits}
        self.session.execute(update(Customer).where(col(Customer.site_id) == self.site.id,
                                                    col(Customer.customer_id) == customer.customer_id).values(values))


def _existing(session: Session, site: Site, order_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(order_ids), _CHUNK):
        query = select(ShopOrder.order_id).where(ShopOrder.site_id == site.id,
                                                 col(ShopOrder.order_id).in_(order_ids[start:start + _CHUNK]))
        found.update(session.exec(query))
    return found


def _reader(spec: Spec) -> Callable[[dict[str, Any]], Any]:
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


def _parse_date(text: str, mapping: HistoryMapping) -> datetime | None:
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
    text = _text(value).lower().replace(" ", "_")
    return True if text in YES else False if text in NO else None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _quantity(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _text(value)
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


def _price(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(_text(value))
        except ValueError:
            raise RowProblem("price", f"'{_text(value)}' is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise RowProblem("price", f"'{_text(value)}' is not a price (a number of 0 or more)")
    return number
