"""PostgreSQL: a batch that is one visit and changes no cart or identity, stored in one statement.

Most batches are page and product views inside the visitor's current visit. Sent as one
autocommit statement they cost one round trip instead of five (BEGIN, the visitor, the events,
COMMIT), which is most of what PostgreSQL and psycopg spend on a batch; the ingest benchmark
measures it. The statement follows the visit rule of visitors.touch_visitor: the visitor's current
visit continues if it was last seen at most 30 minutes before the batch's first event, a new
visitor gets one visit; anything else (a new visit of a known visitor) finds no visitor here and
returns None, having written nothing, so the caller takes the general path. A statement in
autocommit is its own transaction and, with synchronous_commit on, durable when it returns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from assistant.tracking.store import EVENT_COLUMNS, PG_COLUMNS, _pg_rows_json

# the visitor and its visit come from the statement itself, not from the rows
_COLUMN_SQL = [*PG_COLUMNS[:2], "who.id", "who.session_id", *PG_COLUMNS[4:]]

_ONE_VISIT = f"""
WITH up AS (
    UPDATE visitor SET last_seen = GREATEST(last_seen, %(last)s)
    WHERE site_id = %(site)s AND anon_id = %(anon)s AND session_id IS NOT NULL AND last_seen >= %(since)s
    RETURNING id, session_id),
fresh AS (SELECT nextval(pg_get_serial_sequence('visit_session', 'id')) AS visit WHERE NOT EXISTS (SELECT FROM up)),
nv AS (
    INSERT INTO visitor (site_id, anon_id, first_seen, last_seen, sessions, session_id, in_control)
    SELECT %(site)s, %(anon)s, %(first)s, %(last)s, 1, visit, %(control)s FROM fresh
    ON CONFLICT (site_id, anon_id) DO NOTHING RETURNING id, session_id),
ns AS (
    INSERT INTO visit_session (id, site_id, visitor_id, started_at, landing_page, referrer, utm_source, utm_medium,
                               utm_campaign, device)
    SELECT session_id, %(site)s, id, %(first)s, %(landing_page)s, %(referrer)s, %(utm_source)s, %(utm_medium)s,
           %(utm_campaign)s, %(device)s FROM nv),
who AS (SELECT id, session_id FROM up UNION ALL SELECT id, session_id FROM nv),
ev AS (
    INSERT INTO event ({", ".join(EVENT_COLUMNS)})
    SELECT {", ".join(_COLUMN_SQL)}, d::json, (r->>10)::timestamptz, (r->>11)::timestamptz
    FROM who, ROWS FROM (jsonb_array_elements(%(rows)s::jsonb), jsonb_array_elements(%(data)s::jsonb)) AS x(r, d)
    ON CONFLICT DO NOTHING RETURNING client_id)
SELECT who.id, ev.client_id FROM who LEFT JOIN ev ON true
"""


def store_one_visit(engine: Engine, *, site_id: int, anon_id: str, since: datetime, first: datetime, last: datetime,
                    attrs: dict[str, str], rows: list[tuple[Any, ...]], in_control: bool = False,
                    ) -> tuple[int, set[str]] | None:
    """(visitor id, client ids stored) of rows in EVENT_COLUMNS order (their visitor, visit unused); None: not here.

    `in_control`: the control group a visitor created here is stored in (sites/control.py)."""
    columns, data = _pg_rows_json(rows)
    params = {"site": site_id, "anon": anon_id, "since": since, "first": first, "last": last, "rows": columns,
              "data": data, "control": in_control, **attrs}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(_ONE_VISIT, params)
        found = cursor.fetchall()
    if not found:
        return None
    return found[0][0], {client_id for _, client_id in found if client_id is not None}
