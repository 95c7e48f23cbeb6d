"""The quiz benchmark's shoppers: random valid answer paths, the pre-made sessions stored as the API stores them,
and the measured steps, each with its file of prepared requests for quiz.lua."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, select

from assistant.db import make_engine
from assistant.flows.answers import give_answer, next_question
from assistant.flows.models import QuizSession
from assistant.flows.problems import errors as error_problems
from assistant.flows.registry import read_flow
from assistant.flows.schema import Flow, Question
from assistant.sites.models import Site
from benchmarks.quiz_catalog import SITE

# How often shoppers pick each answer (the rest: uniform).
ANSWER_WEIGHTS = {"use": {"everyday": 4, "sport": 3, "outdoor": 3, "vintage": 0.5, "any": 1.5},
                  "level": {"beginner": 3, "regular": 4, "pro": 1},
                  "features": {"waterproof": 4, "lightweight": 4, "breathable": 3, "insulated": 2, "reflective": 1,
                               "recycled": 0.5, "natural": 1.5},
                  "colour": {"dark": 4, "bright": 2, "natural": 2, "any": 3}}


def load_flow(path: Path) -> Flow:
    """The generated flow, loaded and checked as the server loads it; any error stops the benchmark."""
    loaded, problems = read_flow(path)
    if loaded.flow is None or error_problems(problems):
        sys.exit("the generated flow does not load:\n" + "\n".join(p.format() for p in problems))
    return loaded.flow


def random_value(question: Question, rng: np.random.Generator) -> Any:
    """A shopper's random answer to `question`, with realistic preferences and varied ranges."""
    if question.type in ("single", "multi"):
        ids = [a.id for a in question.answers]
        weights = np.array([ANSWER_WEIGHTS.get(question.id, {}).get(a, 1.0) for a in ids])
        p = weights / weights.sum()
        if question.type == "single":
            return ids[int(rng.choice(len(ids), p=p))]
        picks = int(rng.choice([0, 1, 1, 1, 2, 2, 3]))
        if picks == 0:
            return None if question.optional else [ids[0]]
        return [ids[i] for i in rng.choice(len(ids), picks, replace=False, p=p)]
    lo_limit, hi_limit = question.min or 0.0, question.max or 0.0
    if question.type == "scale":
        return float(rng.integers(int(lo_limit) * 2, int(hi_limit) * 2 + 1)) / 2
    lo = lo_limit if rng.random() < 0.3 else float(round(rng.uniform(lo_limit, 150)))
    hi = hi_limit if rng.random() < 0.15 else float(min(hi_limit, lo + round(rng.lognormal(4.2, 0.7)) + 1))
    return [lo, hi]


def random_answers(flow: Flow, rng: np.random.Generator) -> list[tuple[str, Any]]:
    """A complete, valid answer path through `flow` (validated by the engine's own give_answer)."""
    answers: list[tuple[str, Any]] = []
    while (question := next_question(flow, answers)) is not None:
        answers = give_answer(flow, answers, question.id, random_value(question, rng))
    return answers


@dataclass
class Sessions:
    """The pre-made quiz sessions, as stored: per question, sessions answered up to the one before it (with
    the answer to post); for results, complete ones."""

    answering: dict[str, dict[str, tuple[list[tuple[str, Any]], Any]]]
    results: dict[str, list[tuple[str, Any]]]

    @property
    def distinct_result_sets(self) -> int:
        """How many different answer sets the results pool holds."""
        return len({json.dumps(a) for a in self.results.values()})

    def stored(self) -> Iterator[tuple[str, list[tuple[str, Any]]]]:
        """(quiz id, answers as stored) of every session."""
        for pool in self.answering.values():
            for quiz, (before, _) in pool.items():
                yield quiz, before
        yield from self.results.items()


def make_sessions(flow: Flow, *, per_pool: int, seed: int) -> Sessions:
    """`per_pool` sessions for every question and for results, on random valid answer paths."""
    rng = np.random.default_rng(seed)
    answering: dict[str, dict[str, tuple[list[tuple[str, Any]], Any]]] = {q.id: {} for q in flow.questions}
    for _ in range(per_pool * 50):  # questions behind a `when` need more paths
        if all(len(pool) >= per_pool for pool in answering.values()):
            break
        answers = random_answers(flow, rng)
        for position, (question_id, value) in enumerate(answers):
            if len(answering[question_id]) < per_pool:
                answering[question_id][uuid.uuid4().hex] = (answers[:position], value)
    short = [qid for qid, pool in answering.items() if len(pool) < per_pool]
    if short:
        sys.exit(f"too few answer paths reach the questions {short}")
    return Sessions(answering, {uuid.uuid4().hex: random_answers(flow, rng) for _ in range(per_pool)})


def write_sessions(url: str, flow: Flow, sessions: Sessions) -> None:
    """Replace pk_bench's quiz sessions with `sessions`, stored as the API stores them."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    table = QuizSession.__table__
    with engine.begin() as connection:
        site_id = connection.execute(select(Site.__table__.c.id).where(Site.__table__.c.key == SITE)).scalar_one()
        connection.execute(delete(table).where(table.c.site_id == site_id))
        rows = [{"id": quiz, "site_id": site_id, "flow_id": flow.id, "visitor_id": f"bench-{n:05d}", "page": "/",
                 "answers": [[qid, value] for qid, value in answers],
                 "finished": next_question(flow, answers) is None, "created_at": now, "updated_at": now}
                for n, (quiz, answers) in enumerate(sessions.stored())]
        for start in range(0, len(rows), 2000):
            connection.execute(table.insert(), rows[start:start + 2000])
    engine.dispose()


@dataclass
class Step:
    """One measured step: its requests (a file for quiz.lua) and the sessions they use (id: answers stored)."""

    name: str
    kind: str  # start | answer | results
    requests: Path
    sessions: dict[str, list[tuple[str, Any]]]
    question: str | None = None


def make_steps(folder: Path, flow: Flow, sessions: Sessions, *, seed: int) -> list[Step]:
    """The steps in the order a shopper takes them, each with its file of prepared requests."""
    rng = np.random.default_rng(seed)
    query = f"?site={SITE}"
    steps = [Step("POST /quiz (start)", "start", folder / "step-00.txt", {})]
    lines = [[f'POST\t/api/v1/quiz{query}\t{json.dumps({"flow": flow.id, "visitor": f"bench-{v:05d}", "page": "/"})}'
              for v in rng.integers(0, 100_000, 2000)]]
    for question in flow.questions:
        pool = sessions.answering[question.id]
        steps.append(Step(f"POST answers: {question.id} ({question.type})", "answer",
                          folder / f"step-{len(steps):02d}.txt", {q: before for q, (before, _) in pool.items()},
                          question.id))
        lines.append([f"POST\t/api/v1/quiz/{quiz}/answers{query}\t"
                      + json.dumps({"question": question.id, "value": value}) for quiz, (_, value) in pool.items()])
    steps.append(Step("GET /quiz/<id>/results", "results", folder / f"step-{len(steps):02d}.txt", sessions.results))
    lines.append([f"GET\t/api/v1/quiz/{quiz}/results{query}\t" for quiz in sessions.results])
    for step, step_lines in zip(steps, lines, strict=True):
        step.requests.write_text("\n".join(step_lines) + "\n")
    return steps
