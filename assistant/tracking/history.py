"""Import a shop's order history: an export of order lines -> verified orders (ShopOrder) and customers.

The API's ways in are built for live traffic: event times are clamped to the last seven days,
scripts are bots, calls are rate-limited and an order holds at most 200 lines. History goes around
all four, but not around the store: each order is validated by the API's own shape (OrderIn, with
room for more lines) and turned into its row by `orders.order_fields`, as `POST /api/v1/orders` is.

- Rows are grouped by order id (history_orders: an order is open until WINDOW lines have gone by
  without a row of it; a row of an order already closed is skipped, with the reason); cells are read
  by history_cells; what was read, stored and left out is a history_report.HistoryReport.
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

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from assistant.sites.models import Site
from assistant.timeutil import as_utc, utcnow
from assistant.tracking.history_files import Progress, read_history_rows
from assistant.tracking.history_mapping import HistoryMapping
from assistant.tracking.history_orders import Contact, HistoryOrderIn, OrderGrouper, ReadyOrder
from assistant.tracking.history_report import HistoryReport
from assistant.tracking.models import Customer, ShopOrder
from assistant.tracking.orders import order_fields

SOURCE = "history"
BATCH = 2_000
"""Orders written and committed together."""
_CHUNK = 500


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
    grouper = OrderGrouper(mapping, report)
    rows = read_history_rows(path, encoding=encoding or mapping.encoding or "utf-8", progress=progress)
    for order, contact in grouper.orders(rows):
        writer.add(order, contact)
    writer.flush()
    report.seconds = time.perf_counter() - started
    return report


class _Writer:
    """Orders -> ShopOrder rows, BATCH at a time, and the customers they name."""

    def __init__(self, session: Session, site: Site, report: HistoryReport, now: datetime) -> None:
        self.session, self.site, self.report, self.now = session, site, report, now
        self.batch: list[ReadyOrder] = []
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
