"""The catalog's change counters: every write to a site's products bumps one, every server process polls them.

In-memory views of the catalog (the quiz's catalog index) are rebuilt when `version` moves and
refresh only their stock when `stock_version` moves. Polling one row a second per process is how
every worker (and every node, since the row lives in the shared database) learns of a change
without reading the product table per request. A write that bypasses the assistant (SQL by hand)
must call `catalog_changed` too, or run `assistant catalog touch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, DateTime, text
from sqlalchemy.engine import Connection
from sqlmodel import Field, Session, SQLModel

from assistant.timeutil import utcnow


class CatalogState(SQLModel, table=True):
    """One row per site: how many times its products (`version`) and their stock (`stock_version`) changed."""

    __tablename__ = "catalog_state"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    version: int = 0
    stock_version: int = 0
    changed_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


@dataclass(frozen=True, order=True)
class Versions:
    """A site's counters as read at one moment."""

    version: int = 0
    stock_version: int = 0


def catalog_changed(*, session: Session, site_id: int, stock_only: bool = False) -> None:
    """Record that the site's products changed (or only their stock), in the caller's transaction."""
    column = "stock_version" if stock_only else "version"
    session.execute(text(
        f"INSERT INTO catalog_state (site_id, version, stock_version, changed_at) "
        f"VALUES (:site, :v, :s, :now) ON CONFLICT (site_id) DO UPDATE "
        f"SET {column} = catalog_state.{column} + 1, changed_at = :now"),
        {"site": site_id, "v": int(not stock_only), "s": int(stock_only), "now": utcnow()})


def read_versions(connection: Connection | Session, site_id: int) -> Versions:
    """The site's counters now ((0, 0) before its first change)."""
    row = connection.execute(text("SELECT version, stock_version FROM catalog_state WHERE site_id = :site"),
                             {"site": site_id}).first()
    return Versions(int(row[0]), int(row[1])) if row else Versions()
