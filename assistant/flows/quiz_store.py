"""Quiz sessions in the database, each read or write one Core statement: every quiz step pays for one.

The ORM's identity map and unit of work cost a quiz step more than the rest of it; a step only ever
needs the session's site, flow and answers, so it reads those columns and writes them back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlmodel import Session

from assistant.flows.models import QuizSession
from assistant.timeutil import utcnow

TABLE: Table = QuizSession.__table__  # type: ignore[attr-defined]


@dataclass
class StoredQuiz:
    """One shopper's run through one flow: its id, site, flow and answers as stored."""

    id: str
    site_id: int
    flow_id: str
    answers: list[Any]


def insert_quiz(session: Session, *, site_id: int, flow_id: str, visitor_id: str | None, page: str) -> StoredQuiz:
    """Store a new quiz session with no answers."""
    quiz = StoredQuiz(uuid.uuid4().hex, site_id, flow_id, [])
    now = utcnow()
    session.execute(insert(TABLE).values(id=quiz.id, site_id=site_id, flow_id=flow_id, visitor_id=visitor_id,
                                         page=page[:2000], answers=[], finished=False, created_at=now,
                                         updated_at=now))
    return quiz


def find_quiz(session: Session, quiz_id: str) -> StoredQuiz | None:
    """The stored quiz session `quiz_id`, if there is one."""
    row = session.execute(select(TABLE.c.site_id, TABLE.c.flow_id, TABLE.c.answers)
                          .where(TABLE.c.id == quiz_id)).first()
    return StoredQuiz(quiz_id, row[0], row[1], row[2]) if row else None


def save_answers(session: Session, quiz: StoredQuiz, *, finished: bool) -> None:
    """Write the quiz's answers back, and whether it is finished."""
    session.execute(update(TABLE).where(TABLE.c.id == quiz.id)
                    .values(answers=quiz.answers, finished=finished, updated_at=utcnow()))
