"""The ingest hot path in plain SQL: a handful of statements per event batch, on SQLite or PostgreSQL.

Every batch runs these, so they skip SQL compilation and per-value type processing (the ingest
benchmark, benchmarks/ingest.py, measured that overhead at over half of a request). Written for the
two databases the project supports; `tests/tracking` runs them on both.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel import Session

EVENT_COLUMNS = ("site_id", "client_id", "visitor_id", "session_id", "type", "sku", "ref", "value_minor", "currency",
                 "page", "data", "occurred_at", "received_at")
_PG_TYPES = ("int", "text", "int", "int", "text", "text", "text", "int", "text", "text", "json", "timestamptz",
             "timestamptz")


class Store:
    """Plain-SQL access on the session's connection, in the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.connection: Connection = session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.connection.exec_driver_sql(sql.replace("?", "%s") if self.postgres else sql, params)

    def _time(self, value: datetime) -> Any:
        if self.postgres:
            return value
        utc = value.astimezone(UTC)  # SQLAlchemy's SQLite DATETIME text format, read back by the ORM
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f")

    def find_visitor(self, site_id: int, anon_id: str) -> tuple[int, int | None, datetime | None] | None:
        """(id, current visit id, last seen) of a visitor, or None."""
        row = self._run("SELECT id, session_id, last_seen FROM visitor WHERE site_id = ? AND anon_id = ?",
                        (site_id, anon_id)).first()
        if row is None:
            return None
        last = row[2] if isinstance(row[2], datetime) else datetime.fromisoformat(row[2])
        return row[0], row[1], last if last.tzinfo else last.replace(tzinfo=UTC)

    def create_visitor(self, site_id: int, anon_id: str, when: datetime) -> int:
        """Insert a visitor (or find the one a concurrent batch just inserted); its id."""
        created = self._run("INSERT INTO visitor (site_id, anon_id, first_seen, last_seen, sessions) "
                            "VALUES (?, ?, ?, ?, 0) ON CONFLICT (site_id, anon_id) DO NOTHING RETURNING id",
                            (site_id, anon_id, self._time(when), self._time(when))).scalar()
        if created is not None:
            return int(created)
        found = self.find_visitor(site_id, anon_id)
        assert found is not None
        return found[0]

    def open_visit(self, site_id: int, visitor_id: int, when: datetime, attrs: dict[str, str]) -> int:
        """Insert a visit; its id."""
        return int(self._run(
            "INSERT INTO visit_session (site_id, visitor_id, started_at, landing_page, referrer, utm_source, "
            "utm_medium, utm_campaign, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (site_id, visitor_id, self._time(when), attrs["landing_page"], attrs["referrer"], attrs["utm_source"],
             attrs["utm_medium"], attrs["utm_campaign"], attrs["device"])).scalar_one())

    def update_visitor(self, visitor_id: int, last_seen: datetime, visit: int, opened: int) -> None:
        """Record the visitor's latest activity and current visit."""
        self._run("UPDATE visitor SET last_seen = ?, session_id = ?, sessions = sessions + ? WHERE id = ?",
                  (self._time(last_seen), visit, opened, visitor_id))

    def insert_events(self, rows: list[tuple[Any, ...]]) -> set[str]:
        """Insert event rows (in EVENT_COLUMNS order), skipping stored client ids; the ids inserted."""
        times: dict[datetime, Any] = {}  # a batch shares one received_at and often one occurred_at
        rows = [(*r[:10], json.dumps(r[10], separators=(",", ":")),
                 times.get(r[11]) or times.setdefault(r[11], self._time(r[11])),
                 times.get(r[12]) or times.setdefault(r[12], self._time(r[12]))) for r in rows]
        columns = ", ".join(EVENT_COLUMNS)
        # no conflict target: a repeated client id and a repeated purchase order id are both skipped
        tail = " ON CONFLICT DO NOTHING RETURNING client_id"
        if self.postgres:  # one fixed statement for any batch size, so psycopg prepares it once
            arrays = ", ".join(f"%s::{t}[]" for t in _PG_TYPES)
            sql = f"INSERT INTO event ({columns}) SELECT * FROM unnest({arrays}){tail}"
            return set(self.connection.exec_driver_sql(sql, tuple(map(list, zip(*rows, strict=True)))).scalars())
        values = ", ".join(["(" + ", ".join("?" * len(EVENT_COLUMNS)) + ")"] * len(rows))
        flat = tuple(value for row in rows for value in row)
        return set(self._run(f"INSERT INTO event ({columns}) VALUES {values}{tail}", flat).scalars())
