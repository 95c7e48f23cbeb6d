"""Leases for jobs that must run on one node at a time (`assistant baskets run` from cron on every node).

A job takes its lease with one conditional statement: insert the row, or take it over when it has
expired. The database decides which node wins, on SQLite and PostgreSQL alike, so two nodes started
by the same cron minute never both run; a node that dies keeps the lease only until it expires.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, bindparam, text
from sqlmodel import Field, Session, SQLModel


class JobLease(SQLModel, table=True):
    """A named job's lease: the holder runs the job, the others see it and skip."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=100)
    holder: str = Field(max_length=100)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


_WHEN = (bindparam("until", type_=DateTime(timezone=True)), bindparam("now", type_=DateTime(timezone=True)))


def holder_name() -> str:
    """This process: host and pid (what the admin and a log line show as the lease's holder)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def acquire(*, session: Session, name: str, holder: str, now: datetime, seconds: float) -> bool:
    """Take (or renew) the lease `name` for `seconds` from `now`; False when another holder's has not expired.

    Commits: the lease must be visible to the other nodes before the job starts.
    """
    until = now + timedelta(seconds=seconds)
    taken = session.execute(
        text("UPDATE job_lease SET holder = :holder, expires_at = :until "
             "WHERE name = :name AND (holder = :holder OR expires_at < :now)").bindparams(*_WHEN),
        {"holder": holder, "until": until, "name": name, "now": now})
    if taken.rowcount:  # type: ignore[attr-defined]
        session.commit()
        return True
    session.execute(
        text("INSERT INTO job_lease (name, holder, expires_at) VALUES (:name, :holder, :until) "
             "ON CONFLICT (name) DO NOTHING").bindparams(_WHEN[0]),
        {"holder": holder, "until": until, "name": name})
    won = session.execute(text("SELECT holder FROM job_lease WHERE name = :name"), {"name": name}).scalar_one()
    session.commit()
    return bool(won == holder)


def release(*, session: Session, name: str, holder: str) -> None:
    """Give the lease up at once (the next run need not wait for it to expire)."""
    session.execute(text("DELETE FROM job_lease WHERE name = :name AND holder = :holder"),
                    {"name": name, "holder": holder})
    session.commit()


@dataclass
class Hold:
    """The outcome of asking for a lease: whether this run holds it, and who does."""

    won: bool
    holder: str
    renew: Callable[[], None]
    """Extend our lease by its length from now (a long job calls it between its steps)."""


@contextlib.contextmanager
def job_lease(*, session: Session, name: str, seconds: float, clock: Callable[[], datetime]) -> Iterator[Hold]:
    """Hold the lease `name` for the block when no other run does (`won`), releasing it afterwards; else
    `won` is False and `holder` names the run that has it (the caller says so and exits 0)."""
    mine = f"{holder_name()}:{uuid.uuid4().hex[:6]}"

    def renew() -> None:
        acquire(session=session, name=name, holder=mine, now=clock(), seconds=seconds)

    if not acquire(session=session, name=name, holder=mine, now=clock(), seconds=seconds):
        row = session.get(JobLease, name)
        yield Hold(False, row.holder if row else "another run", renew)
        return
    try:
        yield Hold(True, mine, renew)
    finally:
        session.rollback()
        release(session=session, name=name, holder=mine)
