"""The SQL pieces of one earnings run (analytics.aggregates): the dialect's day and JSON expressions, the window's
parameters and the counted purchases, read the way tracking.purchases counts them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assistant.rawsql import RawSQL
from assistant.sites.models import Site


class AggregateSql:
    """The dialect's pieces and the run's parameters."""

    def __init__(self, raw: RawSQL, site: Site, start: datetime, end: datetime) -> None:
        self.raw, self.site, self.start, self.end = raw, site, start, end
        self.window = (raw.time(start), raw.time(end))
        self.verified = raw.run("SELECT 1 FROM shop_order WHERE site_id = ? AND source <> 'history' LIMIT 1",
                                (site.pk,)).fetchone() is not None

    def day(self, column: str) -> str:
        """The UTC day of a timestamp column as 'YYYY-MM-DD' text."""
        if self.raw.postgres:
            return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        return f"substr({column}, 1, 10)"

    def json(self, name: str, column: str = "data") -> str:
        """A top-level text field of a JSON column, '' when absent."""
        if self.raw.postgres:
            return f"COALESCE({column}->>'{name}', '')"
        return f"COALESCE(json_extract({column}, '$.{name}'), '')"

    def counted(self) -> tuple[str, tuple[Any, ...]]:
        """The counted purchases of the window: visitor_id, session_id, ref, occurred_at, value, data."""
        conflicted = ("SELECT ref FROM event WHERE site_id = ? AND type = 'purchase' AND ref IS NOT NULL "
                      "GROUP BY ref HAVING COUNT(DISTINCT visitor_id) > 1")
        value = "o.value_minor" if self.verified else "COALESCE(e.value_minor, 0)"
        join = "JOIN shop_order o ON o.site_id = e.site_id AND o.order_id = e.ref " if self.verified else ""
        sql = (f"SELECT e.visitor_id, e.session_id, e.ref, e.occurred_at, {value} AS value_minor, e.data "
               f"FROM event e {join}WHERE e.site_id = ? AND e.type = 'purchase' AND e.ref IS NOT NULL "
               "AND e.occurred_at >= ? AND e.occurred_at < ? AND (e.currency IS NULL OR e.currency = ?) "
               f"AND e.ref NOT IN ({conflicted})")
        params: tuple[Any, ...] = (self.site.pk, *self.window, self.site.currency, self.site.pk)
        if not self.verified:
            return sql, params
        # an order the shop sent for a named visitor whose browser sent no claim of it (tracking.purchases' rules)
        data = "json_build_object('items', o.items)" if self.raw.postgres else "json_object('items', json(o.items))"
        unclaimed = ("SELECT o.visitor_id, NULL, o.order_id, o.ordered_at, o.value_minor, " + data + " "
                     "FROM shop_order o WHERE o.site_id = ? AND o.source <> 'history' AND o.visitor_id IS NOT NULL "
                     "AND o.ordered_at >= ? AND o.ordered_at < ? AND o.currency = ? AND NOT EXISTS (SELECT 1 FROM "
                     "event e WHERE e.site_id = o.site_id AND e.type = 'purchase' AND e.ref = o.order_id)")
        return f"{sql} UNION ALL {unclaimed}", (*params, self.site.pk, *self.window, self.site.currency)

    def fetch(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """The rows of a read."""
        return list(self.raw.run(sql, params).fetchall())


def utc_of(value: Any) -> datetime:
    """A timestamp as read back (a datetime, or SQLite's text), aware in UTC."""
    found = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return found if found.tzinfo else found.replace(tzinfo=UTC)
