"""Batches made in a forked child are the batches made here; what goes wrong there is raised here."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator

import pytest
from sqlmodel import Session

from assistant.catalog import service
from assistant.catalog.batches import batches, batches_in_child
from assistant.catalog.importers import Row, RowError
from assistant.catalog.mapping import ColumnMapping
from assistant.catalog.service import import_products
from assistant.sites.models import Site
from tests.catalog.test_import_batches import MIXED, catalog, seed

ROWS = [Row(n, {"sku": f"S{n % 7}", "title": "T", "price": str(n)}) for n in range(1, 40)] + [
    Row(40, {"sku": "bad", "title": "T", "price": "x"}), RowError(41, None, "has more values than columns"),
    Row(42, {"sku": "S1", "title": "T", "price": "1"})]


@pytest.mark.parametrize("size", [1, 3, 100])
def test_the_child_makes_the_same_batches(size: int) -> None:
    assert list(batches_in_child(ROWS, ColumnMapping(), size)) == list(batches(ROWS, ColumnMapping(), size))


def test_what_the_child_raises_is_raised_here() -> None:
    def rows() -> Iterator[Row]:
        yield from ROWS[:5]
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        list(batches_in_child(rows(), ColumnMapping(), 2))


def test_a_child_that_dies_is_an_error_here() -> None:
    def rows() -> Iterator[Row]:
        yield from ROWS[:5]
        os._exit(3)

    with pytest.raises(RuntimeError, match=r"ended unexpectedly \(3\)"):
        list(batches_in_child(rows(), ColumnMapping(), 2))


def test_stopping_early_ends_the_child() -> None:
    endless = (Row(n, {"sku": f"S{n}", "title": "T", "price": "1"}) for n in range(1, 10**9))
    made = batches_in_child(endless, ColumnMapping(), 10)
    assert len(next(made)[0]) == 10
    started = time.monotonic()
    made.close()  # the child, blocked on the full pipe, gets a broken pipe and ends
    assert time.monotonic() - started < 4 and multiprocessing.active_children() == []


def test_an_import_in_parallel_is_the_import_here(session: Session, site: Site,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[bool] = []
    monkeypatch.setattr(service, "can_fork", lambda: True)
    monkeypatch.setattr(service, "batches_in_child", lambda *args: used.append(True) or batches_in_child(*args))
    seed(session, site)
    report = import_products(session=session, site=site, rows=iter(MIXED), batch_rows=2, parallel=True)
    session.commit()
    assert used and (report.created, report.updated, report.unchanged, len(report.errors)) == (2, 4, 0, 3)
    assert catalog(session, site)["A1"] == (900, 5, True, {"color": "red"})
