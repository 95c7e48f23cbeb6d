"""Products written in batches, in plain SQL on the session's connection (SQLite or PostgreSQL).

An import creates or updates thousands of products; building an ORM object for each cost more
than the writing itself (benchmarks/catalog_import.py). Here a batch is one query for the rows
that exist already, one INSERT of the new ones and one UPDATE of the changed ones: `executemany`
on SQLite, and on PostgreSQL one statement each with the rows as a single JSON array the server
unpacks (as tracking/store.py sends events; a round trip per row cost a third more). Rows whose
values are the same are not written at all. JSON columns are written as `json.dumps` text, exactly
as SQLAlchemy's JSON type writes them, so a re-import compares text with text.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from assistant.catalog.values import JSON_AT, STOCK_AT, VALUE_COLUMNS, Values
from assistant.rawsql import RawSQL

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class ProductWriter:
    """Creates and updates one site's products a batch at a time, in the session's transaction.

    `counts` says how many distinct SKUs were created, updated or left unchanged. A SKU seen again
    in a later batch is written again (the last row wins) but counted once: as created if it was
    new, else as updated if any of its rows changed the product.
    """

    def __init__(self, *, session: Session, site_id: int, now: datetime) -> None:
        sql = RawSQL(session)
        self.postgres, self.cursor = sql.postgres, sql.cursor
        self.site_id = site_id
        self.now = now.isoformat() if self.postgres else now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        self.counts: Counter[str] = Counter()
        self._outcomes: dict[str, str] = {}
        self._site_was_empty = sql.run("SELECT 1 FROM product WHERE site_id = ? LIMIT 1", (site_id,)).fetchone() is None

    def write(self, batch: dict[str, Values]) -> None:
        """Create or update every product of `batch` (SKU -> values)."""
        # Into an empty catalog (a first import) only this import's own SKUs can exist.
        skus = [s for s in batch if s in self._outcomes] if self._site_was_empty else list(batch)
        existing = self._existing(skus) if skus else {}
        created: list[tuple[Any, ...]] = []
        updated: list[tuple[Any, ...]] = []
        for sku, values in batch.items():
            found = existing.get(sku)
            in_stock = values[STOCK_AT] is None or values[STOCK_AT] > 0
            if found is None:
                created.append((self.site_id, sku, *values, in_stock, 0.0, self.now))
                self._count(sku, CREATED)
            elif _same(found[1:], values):
                self._count(sku, UNCHANGED)
            else:
                updated.append((*values, in_stock, self.now, found[0]))
                self._count(sku, UPDATED)
        if self.postgres:  # one statement a batch, the rows as one JSON array the server parses in C
            if created:
                self.cursor.execute(_INSERT_PG, (_pg_json(created),))
            if updated:
                self.cursor.execute(_UPDATE_PG, (_pg_json(updated),))
            return
        if created:
            self.cursor.executemany(_INSERT, created)
        if updated:
            self.cursor.executemany(_UPDATE, updated)

    def _count(self, sku: str, outcome: str) -> None:
        before = self._outcomes.get(sku)
        if before is None or (before == UNCHANGED and outcome == UPDATED):
            self._outcomes[sku] = outcome
            self.counts[outcome] += 1
            if before is not None:
                self.counts[before] -= 1

    def _existing(self, skus: list[str]) -> dict[str, tuple[Any, ...]]:
        """SKU -> (id, *VALUE_COLUMNS) of the batch's products that exist."""
        if self.postgres:
            self.cursor.execute(_SELECT_PG, (self.site_id, skus))
            return {row[0]: row[1:] for row in self.cursor.fetchall()}
        found: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(skus), 900):  # an old SQLite takes at most 999 parameters
            chunk = skus[start:start + 900]
            self.cursor.execute(_SELECT_SQLITE.format(marks=", ".join("?" * len(chunk))), (self.site_id, *chunk))
            found.update((row[0], row[1:]) for row in self.cursor.fetchall())
        return found


def _pg_json(rows: list[tuple[Any, ...]]) -> str:
    """The rows as one JSON array; a rating that is NaN or infinite goes as text, which float8 reads."""
    try:
        return _FINITE_JSON(rows)
    except ValueError:
        return _FINITE_JSON([tuple(str(v) if type(v) is float and not math.isfinite(v) else v for v in row)
                             for row in rows])


_FINITE_JSON = json.JSONEncoder(allow_nan=False).encode


def _same(stored: tuple[Any, ...], values: Values) -> bool:
    """Whether a stored row holds `values`: JSON compared as text first, then (rarely) as data."""
    if stored == values:
        return True
    if stored[:JSON_AT] != values[:JSON_AT]:
        return False
    return all(json.loads(a) == json.loads(b) for a, b in zip(stored[JSON_AT:], values[JSON_AT:], strict=True))


_INSERT = (f"INSERT INTO product (site_id, sku, {', '.join(VALUE_COLUMNS)}, in_stock, popularity, updated_at) "
           f"VALUES ({', '.join('?' * (len(VALUE_COLUMNS) + 5))})")
_UPDATE = (f"UPDATE product SET {', '.join(f'{c} = ?' for c in VALUE_COLUMNS)}, in_stock = ?, updated_at = ? "
           "WHERE id = ?")
_PG_TYPES = ("text", "text", "text", "text", "text", "int", "float8", "int", "json", "json")
"""How PostgreSQL reads VALUE_COLUMNS from the JSON text of a row (the JSON columns are text in it)."""


def _pg_columns(types: tuple[str, ...]) -> str:
    return ", ".join(f"(r->>{i})::{t}" for i, t in enumerate(types))


_INSERT_PG = (f"INSERT INTO product (site_id, sku, {', '.join(VALUE_COLUMNS)}, in_stock, popularity, updated_at) "
              f"SELECT {_pg_columns(('int', 'text', *_PG_TYPES, 'bool', 'float8', 'timestamptz'))} "
              "FROM jsonb_array_elements(%s::jsonb) AS r")
_UPDATE_PG = ("UPDATE product AS p SET " + ", ".join(f"{c} = n.{c}" for c in (*VALUE_COLUMNS, "in_stock", "updated_at"))
              + f" FROM (SELECT {_pg_columns((*_PG_TYPES, 'bool', 'timestamptz', 'int'))} "
              "FROM jsonb_array_elements(%s::jsonb) AS r) "
              f"AS n({', '.join((*VALUE_COLUMNS, 'in_stock', 'updated_at', 'id'))}) WHERE p.id = n.id")
_SELECTED = ", ".join(VALUE_COLUMNS[:JSON_AT])
_SELECT_SQLITE = (f"SELECT sku, id, {_SELECTED}, categories, attributes FROM product "
                  "WHERE site_id = ? AND sku IN ({marks})")
_SELECT_PG = (f"SELECT sku, id, {_SELECTED}, categories::text, attributes::text FROM product "
              "WHERE site_id = %s AND sku = ANY(%s)")
