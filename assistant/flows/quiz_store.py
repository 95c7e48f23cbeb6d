"""Quiz sessions in the database: every quiz step reads or writes one row, in plain SQL.

A step only ever needs the session's site, flow and answers, so it reads those columns and writes
them back, on a DBAPI cursor (`assistant.rawsql`): through SQLAlchemy, Core or ORM, the statement
cost a quiz step more than the rest of its work. The cursor is a session's (`Session`) or one the
caller holds (`RawSQL`: the API's steps write on a pooled connection, without a session).
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.rawsql import RawSQL, pooled
from assistant.timeutil import utcnow


@dataclass
class StoredQuiz:
    """One shopper's run through one flow: its id, site, flow and answers as stored."""

    id: str
    site_id: int
    flow_id: str
    answers: list[Any]
    variant: str | None = None
    """The flow served in the flow's experiment (flows/experiments.py), when not the flow itself; None: none."""


def insert_quiz(db: Session | RawSQL, *, site_id: int, flow_id: str, visitor_id: str | None, page: str,
                answers: list[Any] | None = None, finished: bool = False, experiment: str | None = None,
                variant: str | None = None) -> StoredQuiz:
    """Store a new quiz session, with no answers or with `answers` carried over from an earlier run; in an
    experiment, with its id and the variant served (None: the flow itself)."""
    quiz = StoredQuiz(uuid.uuid4().hex, site_id, flow_id, answers or [], variant)
    sql, now = _sql(db), utcnow()
    cast = "::json" if sql.postgres else ""
    sql.run("INSERT INTO quiz_session (id, site_id, flow_id, visitor_id, page, answers, finished, created_at, "
            f"updated_at, experiment, variant) VALUES (?, ?, ?, ?, ?, ?{cast}, ?, ?, ?, ?, ?)",
            (quiz.id, site_id, flow_id, visitor_id, page[:2000], sql.json_param(quiz.answers), finished,
             sql.time(now), sql.time(now), experiment, variant))
    return quiz


EARLIER_RUNS = 3
"""How many of a person's latest runs of a flow are read for answers to carry over (the newest valid one wins)."""

EARLIER_ANSWERS = (
    "SELECT answers FROM quiz_session WHERE site_id = ? AND flow_id = ? AND CAST(answers AS TEXT) <> '[]'"
    " AND visitor_id IN (SELECT CAST(? AS VARCHAR(64)) UNION SELECT p.anon_id FROM visitor v"
    " JOIN visitor p ON p.site_id = v.site_id AND p.customer_id = v.customer_id"
    " WHERE v.site_id = ? AND v.anon_id = ?)"
    " ORDER BY updated_at DESC LIMIT ?")
"""The browser's own runs and, when it belongs to an identified customer, those of each of the customer's
browsers: on the visitor (site, anon id) and (site, customer id) indexes and quiz_session's (site, visitor,
flow, updated_at) index (migration 0014)."""


def earlier_answers(db: Session | RawSQL, *, site_id: int, flow_id: str, visitor_id: str) -> list[list[Any]]:
    """The stored answers of the person's latest runs of `flow_id` on the site that have any, newest first."""
    sql = _sql(db)
    rows = sql.run(EARLIER_ANSWERS, (site_id, flow_id, visitor_id, site_id, visitor_id, EARLIER_RUNS)).fetchall()
    return [sql.json_value(row[0]) for row in rows]


def find_quiz(source: Session | RawSQL | Engine, quiz_id: str) -> StoredQuiz | None:
    """The stored quiz session `quiz_id`, if there is one: in the session's (or cursor's) transaction, or (an
    engine) on a pooled connection of its own, for a step that only reads."""
    with _cursor(source) as sql:
        row = sql.run("SELECT site_id, flow_id, answers, variant FROM quiz_session WHERE id = ?", (quiz_id,)).fetchone()
        return StoredQuiz(quiz_id, row[0], row[1], sql.json_value(row[2]), row[3]) if row else None


def _cursor(source: Session | RawSQL | Engine) -> AbstractContextManager[RawSQL]:
    return pooled(source) if isinstance(source, Engine) else nullcontext(_sql(source))


def _sql(db: Session | RawSQL) -> RawSQL:
    return db if isinstance(db, RawSQL) else RawSQL(db)


def save_answers(db: Session | RawSQL, quiz: StoredQuiz, *, finished: bool) -> None:
    """Write the quiz's answers back, and whether it is finished."""
    sql = _sql(db)
    cast = "::json" if sql.postgres else ""
    sql.run(f"UPDATE quiz_session SET answers = ?{cast}, finished = ?, updated_at = ? WHERE id = ?",
            (sql.json_param(quiz.answers), finished, sql.time(utcnow()), quiz.id))
