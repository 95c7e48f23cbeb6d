"""The ingest hot path in plain SQL: a handful of statements per event batch, on SQLite or PostgreSQL.

Every batch runs these, so they go straight to the DBAPI cursor of the session's connection,
skipping SQL compilation, per-value type processing and SQLAlchemy's result objects (the ingest
benchmark, benchmarks/ingest.py, measured that overhead at over half of a request). Written for the
two databases the project supports; `tests/tracking` runs them on both.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from assistant.rawsql import RawSQL

EVENT_COLUMNS = ("site_id", "client_id", "visitor_id", "session_id", "type", "sku", "ref", "value_minor", "currency",
                 "page", "data", "occurred_at", "received_at")
_PG_TYPES = ("int", "text", "int", "int", "text", "text", "text", "int", "text", "text")  # then data, the times
PG_COLUMNS = [f"(r->>{i})::{t}" if t != "text" else f"r->>{i}" for i, t in enumerate(_PG_TYPES)]
"""The first ten EVENT_COLUMNS read from a jsonb row r (see _pg_rows_json); data and the times follow."""


class Store(RawSQL):
    """Plain-SQL access on the session's connection, in the session's transaction."""

    def find_visitor(self, site_id: int, anon_id: str) -> tuple[int, int | None, datetime | None] | None:
        """(id, current visit id, last seen) of a visitor, or None."""
        row = self.run("SELECT id, session_id, last_seen FROM visitor WHERE site_id = ? AND anon_id = ?",
                        (site_id, anon_id)).fetchone()
        if row is None:
            return None
        last = row[2] if isinstance(row[2], datetime) else datetime.fromisoformat(row[2])
        return row[0], row[1], last if last.tzinfo else last.replace(tzinfo=UTC)

    def continue_visit(self, site_id: int, anon_id: str, since: datetime, last: datetime) -> tuple[int, int] | None:
        """(visitor id, visit id) if the visitor was last seen at or after `since`, recording `last`; else None."""
        row = self.run("UPDATE visitor SET last_seen = CASE WHEN last_seen > ? THEN last_seen ELSE ? END "
                        "WHERE site_id = ? AND anon_id = ? AND session_id IS NOT NULL AND last_seen >= ? "
                        "RETURNING id, session_id",
                        (self.time(last), self.time(last), site_id, anon_id, self.time(since))).fetchone()
        return None if row is None else (row[0], row[1])

    def create_visitor(self, site_id: int, anon_id: str, when: datetime, in_control: bool = False) -> int | None:
        """Insert a visitor (in the control group or not: sites/control.py); its id, or None when it exists already."""
        created = self.run("INSERT INTO visitor (site_id, anon_id, first_seen, last_seen, sessions, in_control) "
                            "VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (site_id, anon_id) DO NOTHING RETURNING id",
                            (site_id, anon_id, self.time(when), self.time(when), in_control)).fetchone()
        return None if created is None else int(created[0])

    def open_visit(self, site_id: int, visitor_id: int, when: datetime, attrs: dict[str, str]) -> int:
        """Insert a visit; its id."""
        return int(self.run(
            "INSERT INTO visit_session (site_id, visitor_id, started_at, landing_page, referrer, utm_source, "
            "utm_medium, utm_campaign, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (site_id, visitor_id, self.time(when), attrs["landing_page"], attrs["referrer"], attrs["utm_source"],
             attrs["utm_medium"], attrs["utm_campaign"], attrs["device"])).fetchone()[0])

    def update_visitor(self, visitor_id: int, last_seen: datetime, visit: int, opened: int) -> None:
        """Record the visitor's latest activity and current visit."""
        self.run("UPDATE visitor SET last_seen = ?, session_id = ?, sessions = sessions + ? WHERE id = ?",
                  (self.time(last_seen), visit, opened, visitor_id))

    def insert_events(self, rows: list[tuple[Any, ...]]) -> set[str]:
        """Insert rows (in EVENT_COLUMNS order, data as JSON text), skipping stored client ids; the ids inserted."""
        # no conflict target: a repeated client id and a repeated purchase order id are both skipped
        tail = " ON CONFLICT DO NOTHING RETURNING client_id"
        if self.postgres:
            self.cursor.execute(_PG_INSERT + tail, _pg_rows_json(rows))
            return {row[0] for row in self.cursor.fetchall()}
        times: dict[datetime, str] = {}  # a batch shares one received_at and often one occurred_at
        flat: list[Any] = []
        for row in rows:
            flat.extend(row[:11])
            flat.extend(times.get(t) or times.setdefault(t, self.time(t)) for t in row[11:])
        values = ", ".join(["(" + ", ".join("?" * len(EVENT_COLUMNS)) + ")"] * len(rows))
        return {row[0] for row in self.run(f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) VALUES {values}{tail}",
                                            tuple(flat)).fetchall()}


def _pg_rows_json(rows: list[tuple[Any, ...]]) -> tuple[str, str]:
    """The rows as two JSON arrays, the data column and the others: two parameters, parsed by the server in C."""
    times: dict[datetime, str] = {}  # a batch shares one received_at and often one occurred_at
    columns = [[*row[:10], *(times.get(t) or times.setdefault(t, t.isoformat()) for t in row[11:])] for row in rows]
    return json.dumps(columns, separators=(",", ":")), "[" + ",".join(row[10] for row in rows) + "]"


# One fixed statement for any batch size, so psycopg prepares it once. ROWS FROM walks the two
# arrays in step: r is a row's columns in EVENT_COLUMNS order without data, d its data.
_PG_INSERT = (f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) SELECT "
              + ", ".join(PG_COLUMNS)
              + ", d::json, (r->>10)::timestamptz, (r->>11)::timestamptz"
              " FROM ROWS FROM (jsonb_array_elements(%s::jsonb), jsonb_array_elements(%s::jsonb)) AS x(r, d)")
