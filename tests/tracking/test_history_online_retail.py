"""The real Online Retail II file (525,461 lines) through the history import, checked against a plain reading.

ONLINE_RETAIL_EVERY=N keeps the invoices whose number is a multiple of N, each with all its lines, in the file's
order: 5 by default (CI), 103,495 lines, 4,418 orders of 2,084 customers and 561 without one, spread over the whole
year (both ends, its DST changes, cancellations and adjustments among them): 10 s on the two databases against 93 s
for the whole file, which ONLINE_RETAIL_EVERY=1 imports.
"""

from __future__ import annotations

import csv
import gzip
import os
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from assistant.sites.models import Site
from assistant.tracking.history import import_history
from assistant.tracking.history_mapping import layout_mapping
from assistant.tracking.models import Customer, ShopOrder
from tests.conftest import shared_data

NOW = datetime(2026, 12, 7, tzinfo=UTC)
EVERY = int(os.environ.get("ONLINE_RETAIL_EVERY", "5"))


def sample(path: Path, every: int, folder: Path) -> tuple[Path, int, int]:
    """(file, its rows, the whole file's rows): the invoices whose number is a multiple of `every`, each with all its
    lines, in the file's order (the whole file when `every` is 1)."""
    if every == 1:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            rows = sum(1 for _ in handle) - 1
        return path, rows, rows
    kept = folder / "online_retail_sample.csv.gz"
    rows = total = 0
    with gzip.open(path, "rt", encoding="utf-8", newline="") as source, \
            gzip.open(kept, "wt", encoding="utf-8", newline="", compresslevel=1) as target:
        target.write(next(source))
        for line in source:  # no quoted line breaks in this file: one line, one row
            total += 1
            if int(line.split(",", 1)[0].lstrip("CA")) % every == 0:
                target.write(line)
                rows += 1
    return kept, rows, total


def expected(path: Path) -> tuple[int, int, int, int, datetime, datetime]:
    """(orders, customers, orders without a customer, pence, first, last): invoices that are not cancellations (C)
    or adjustments (A), with their lines of a quantity of 1 or more, and at least one such line."""
    customer: dict[str, str] = {}
    pence: dict[str, Decimal] = {}
    dated: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            invoice = row["Invoice"]
            if invoice.startswith(("C", "A")):
                continue
            if row["Customer ID"]:
                customer.setdefault(invoice, row["Customer ID"])
            dated.setdefault(invoice, row["InvoiceDate"])
            if int(row["Quantity"]) >= 1:
                pence[invoice] = pence.get(invoice, Decimal(0)) + int(row["Quantity"]) * Decimal(row["Price"])
    total = sum(int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for value in pence.values())
    london = ZoneInfo("Europe/London")
    times = [datetime.fromisoformat(dated[i]).replace(tzinfo=london).astimezone(UTC) for i in pence]
    return (len(pence), len({customer[i] for i in pence if i in customer}), sum(i not in customer for i in pence),
            total, min(times), max(times))


def test_online_retail_imports_every_order_once(session: Session, site: Site, tmp_path: Path) -> None:
    whole = shared_data("online_retail_uci", "online_retail_II_2009-12_2010-12.csv.gz")
    path, rows, total = sample(whole, EVERY, tmp_path)
    assert total == 525_461
    orders, customers, anonymous, pence, first, last = expected(path)
    assert orders > 22_100 // EVERY // 2 and customers >= 4_314 // EVERY and anonymous > 0  # the sample has orders
    mapping = layout_mapping("online-retail")
    report = import_history(session=session, site=site, path=path, mapping=mapping, now=NOW)
    assert (report.rows, report.stored, report.known, report.anonymous) == (rows, orders, 0, anonymous)
    assert (report.customers_created, report.first, report.last) == (customers, first, last)
    assert session.exec(select(func.count()).select_from(ShopOrder)).one() == orders
    assert session.exec(select(func.count()).select_from(Customer)).one() == customers
    assert session.exec(select(func.sum(ShopOrder.value_minor))).one() == pence
    again = import_history(session=session, site=site, path=path, mapping=mapping, now=NOW)
    assert (again.stored, again.known, again.customers_created, again.customers_updated) == (0, orders, 0, 0)

