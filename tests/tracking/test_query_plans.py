"""The read-backs use an index on the event table, never a scan of it (a million events is a normal shop)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.analytics.experiments import experiment_results
from assistant.promotions.history import load_history
from assistant.promotions.snapshot import snapshot_for
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.reads import find_visitor, product_counts, purchases, recent_views
from tests.promotions.helpers import make_campaign
from tests.tracking.test_visitors import record, view


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT that reads the event table inside the block, with its parameters (through SQLAlchemy or on a
    DBAPI cursor through assistant.rawsql, which SQLAlchemy's events do not see)."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, _many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT") and " event" in sql:
            seen.append((sql, params))

    original = RawSQL.run

    def run(self: RawSQL, statement: str, params: tuple[Any, ...] = ()) -> Any:
        capture(None, None, self.sql(statement), params, None, False)
        return original(self, statement, params)

    event.listen(engine, "before_cursor_execute", capture)
    RawSQL.run = run  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        RawSQL.run = original  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", capture)


def plan(session: Session, sql: str, params: Any) -> str:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
        return "\n".join(row[-1] for row in rows)
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny test tables: ask whether it *can*
    return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}", params).all())


def scans_event(text: str) -> bool:
    lines = text.splitlines()
    return any(line.strip().startswith(("SCAN event", "Seq Scan on event")) or "SCAN event " in line
               for line in lines)


READS: dict[str, Callable[[Session, Site], Any]] = {
    "recent views": lambda s, site: recent_views(session=s, site=site, visitor=_visitor(s, site)),
    "purchases": lambda s, site: purchases(session=s, site=site, visitor=_visitor(s, site)),
    "product counts": lambda s, site: product_counts(session=s, site=site, since=utcnow() - timedelta(days=7)),
    "promotion history": lambda s, site: load_history(session=s, site=site, visitor_ids=[_visitor(s, site).id],
                                                      controls={}),
    "visitor snapshot": lambda s, site: snapshot_for(session=s, site=site, anon_id="visitor-0001"),
    "experiment exposures": lambda s, site: experiment_results(session=s, site=site,
                                                               campaign=make_campaign(s, site)),
}


# the index each read is built for: without it a read may still avoid a full scan through a worse one
MEANT = {"recent views": {"ix_event_visitor_time"}, "purchases": {"ix_event_visitor_time", "uq_event_purchase_claim"},
         "product counts": {"ix_event_type_time", "uq_event_purchase_claim"},
         "promotion history": {"ix_event_visitor_time"}, "visitor snapshot": {"ix_event_visitor_time"},
         "experiment exposures": {"ix_event_ref"}}


def _visitor(session: Session, site: Site) -> Any:
    found = find_visitor(session=session, site=site, anon_id="visitor-0001")
    assert found is not None
    return found


@pytest.mark.parametrize("name", READS)
def test_reads_use_an_index(name: str, engine: Engine, session: Session, site: Site) -> None:
    record(session, site, "visitor-0001", view(1, "a", 0), view(2, "b", 1))
    if session.connection().dialect.name == "postgresql":
        _shop_sized_statistics(session, site)
    with statements(engine) as seen:
        READS[name](session, site)
    assert seen, "the read touched the event table"
    for sql, params in seen:
        text = plan(session, sql, params)
        assert not scans_event(text), f"{name} scans the event table:\n{text}\n{sql}"
        assert any(index in text for index in MEANT[name]), f"{name} does not use {MEANT[name]}:\n{text}"
    session.rollback()


def _shop_sized_statistics(session: Session, site: Site) -> None:
    """PostgreSQL picks among indexes by the table's statistics: with none (a short run) it guesses, and once
    autovacuum has analyzed the table between tests (a long run) it plans for the rows it saw. Plan for a
    shop's proportions instead: 20,000 events of 2,000 other visitors, of every type, analyzed."""
    session.connection().exec_driver_sql(
        "INSERT INTO event (site_id, client_id, visitor_id, type, sku, ref, page, data, occurred_at, received_at) "
        "SELECT %(site)s, 'stats-' || n, 1000000 + n %% 2000, "
        "(ARRAY['page_view', 'product_view', 'add_to_cart', 'purchase', 'promo_impression'])[1 + n %% 5], "
        "CASE WHEN n %% 5 IN (1, 2) THEN 'sku-' || n %% 300 END, CASE WHEN n %% 5 IN (3, 4) THEN 'ref-' || n END, "
        "'', '{}', now() - n * interval '1 minute', now() FROM generate_series(1, 20000) AS n",
        {"site": site.pk})
    session.connection().exec_driver_sql("ANALYZE event")
