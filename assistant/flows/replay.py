"""Replay recorded quiz sessions against the live flow and a draft: what an edit would change for shoppers.

The stored answers of the last N days are read grouped by their text (one row per distinct answer list,
with how many sessions gave it), given to each flow with `quiz.replay` (a draft that drops a question or
an answer cuts a session's answers there, as the live quiz would) and ranked over the site's catalog
index with `ranking.rank`, the request path's own ranking: never the product table, and each distinct
answer set once per flow version, however many sessions share it. Both are ranked on a copy of the
index with memory of its own, so replaying never fills and clears the live quiz's remembered work.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from assistant.catalog.index import CatalogIndex
from assistant.flows import ranking
from assistant.flows.answers import Answers
from assistant.flows.quiz import replay
from assistant.flows.schema import Flow
from assistant.merchandising.rules import Rule
from assistant.rawsql import RawSQL
from assistant.timeutil import utcnow

TOP = 10
"""How many products and paths each list of the report keeps."""

RECORDED = ("SELECT CAST(answers AS TEXT), COUNT(*) FROM quiz_session WHERE site_id = ? AND flow_id = ?"
            " AND updated_at >= ? AND CAST(answers AS TEXT) <> '[]' GROUP BY CAST(answers AS TEXT)")
"""Distinct answer lists of a flow's sessions since a time, with their session counts (the API writes answers
with json.dumps, so equal answers are equal text on both databases)."""


@dataclass(frozen=True)
class Outcome:
    """What one answer set gets from one flow: the products shown, in order, and how they were found."""

    skus: tuple[str, ...]
    matching: int
    """Products meeting every answer (0 when some had to be relaxed)."""
    relaxed: bool
    fallback: bool

    @property
    def empty(self) -> bool:
        """No product meets every answer: the shopper sees relaxed results or the fallback."""
        return self.relaxed or self.fallback or self.matching == 0


@dataclass
class PathReport:
    """One answer path (the choices made; ranges and scales folded in) before and after."""

    label: str
    sessions: int = 0
    matching_before: int = 0
    matching_after: int = 0
    empty_before: int = 0
    empty_after: int = 0
    changed: int = 0

    @property
    def newly_empty(self) -> bool:
        """Every session of the path ends empty after the edit, and some did not before."""
        return self.empty_after == self.sessions and self.empty_before < self.sessions

    def mean_before(self) -> float:
        """Products meeting the answers, per session, before."""
        return self.matching_before / self.sessions if self.sessions else 0.0

    def mean_after(self) -> float:
        """Products meeting the answers, per session, after."""
        return self.matching_after / self.sessions if self.sessions else 0.0


@dataclass
class ReplayReport:
    """The sessions replayed and what the draft changes for them."""

    days: int
    sessions: int = 0
    answer_sets: int = 0
    ranked_before: int = 0
    ranked_after: int = 0
    changed: int = 0
    """Sessions that would see at least one other product."""
    reordered: int = 0
    """Sessions that would see the same products in another order."""
    zero_before: int = 0
    zero_after: int = 0
    relaxed_before: int = 0
    relaxed_after: int = 0
    exposure_before: Counter[str] = field(default_factory=Counter)
    exposure_after: Counter[str] = field(default_factory=Counter)
    paths: dict[str, PathReport] = field(default_factory=dict)
    left_out: int = 0
    """Sessions of the period not replayed (the admin replays the most common answer lists only)."""

    def rate(self, count: int) -> float:
        """`count` as a share of the sessions replayed."""
        return count / self.sessions if self.sessions else 0.0

    def gains(self, n: int = TOP) -> list[tuple[str, int, int]]:
        """The products gaining the most exposure: (sku, sessions before, after)."""
        return self._moves(n, gaining=True)

    def losses(self, n: int = TOP) -> list[tuple[str, int, int]]:
        """The products losing the most exposure: (sku, sessions before, after)."""
        return self._moves(n, gaining=False)

    def _moves(self, n: int, *, gaining: bool) -> list[tuple[str, int, int]]:
        skus = set(self.exposure_before) | set(self.exposure_after)
        sign = 1 if gaining else -1
        moved = [(sku, self.exposure_before[sku], self.exposure_after[sku]) for sku in skus]
        moved = [m for m in moved if sign * (m[2] - m[1]) > 0]
        return sorted(moved, key=lambda m: (-sign * (m[2] - m[1]), m[0]))[:n]

    def newly_empty(self) -> list[PathReport]:
        """Paths every session of which ends empty after the edit (most sessions first)."""
        return sorted((p for p in self.paths.values() if p.newly_empty), key=lambda p: (-p.sessions, p.label))

    def busiest_paths(self, n: int = TOP) -> list[PathReport]:
        """The paths with the most sessions."""
        return sorted(self.paths.values(), key=lambda p: (-p.sessions, p.label))[:n]


def recorded_answers(sql: RawSQL, *, site_id: int, flow_id: str, days: int,
                     now: datetime | None = None) -> list[tuple[list[Any], int]]:
    """The distinct answer lists of the flow's sessions updated in the last `days` days, with their counts."""
    since = (now or utcnow()) - timedelta(days=days)
    rows = sql.run(RECORDED, (site_id, flow_id, sql.time(since))).fetchall()
    found = []
    for text, count in rows:
        try:
            stored = json.loads(text)
        except ValueError:  # a row written by hand: nothing a shopper could replay
            continue
        if isinstance(stored, list):
            found.append((stored, int(count)))
    return found


def replay_sessions(live: Flow, draft: Flow, recorded: Iterable[tuple[list[Any], int]], index: CatalogIndex, *,
                    rules: Sequence[Rule] = (), days: int = 0) -> ReplayReport:
    """Replay `recorded` (stored answer lists and session counts) against `live` and `draft` over `index`."""
    recorded = list(recorded)
    report = ReplayReport(days=days, answer_sets=len(recorded))
    apart = _own_memory(index)
    befores = _outcomes(live, [stored for stored, _ in recorded], apart, rules)
    afters = _outcomes(_apart(draft, live), [stored for stored, _ in recorded], apart, rules)
    report.ranked_before, report.ranked_after = befores.ranked, afters.ranked
    for (_, count), given, before, after in zip(recorded, befores.answers, befores.outcomes, afters.outcomes,
                                                strict=True):
        _add(report, path_label(live, given), count, before, after)
    return report


@dataclass
class _Ranked:
    answers: list[Answers]
    outcomes: list[Outcome]
    ranked: int


def _outcomes(flow: Flow, stored: list[list[Any]], index: CatalogIndex, rules: Sequence[Rule]) -> _Ranked:
    """Each stored answer list's outcome under `flow`, ranking each distinct replayed answer set once."""
    known: dict[str, Outcome] = {}
    found = _Ranked([], [], 0)
    for answers in stored:
        given = replay(flow, answers)
        key = json.dumps(given)
        outcome = known.get(key)
        if outcome is None:
            outcome = known[key] = outcome_of(flow, given, index, rules)
        found.answers.append(given)
        found.outcomes.append(outcome)
    found.ranked = len(known)
    return found


def outcome_of(flow: Flow, answers: Answers, index: CatalogIndex, rules: Sequence[Rule] = ()) -> Outcome:
    """What the quiz shows for `answers` under `flow`, as the live quiz ranks it."""
    found = ranking.rank(flow, answers, index, rules)
    meeting = 0 if found.relaxed or found.fallback else found.matching  # after relaxing: what met the rest
    return Outcome(tuple(m.product.sku for m in found.items), meeting, bool(found.relaxed), found.fallback)


def _add(report: ReplayReport, label: str, count: int, before: Outcome, after: Outcome) -> None:
    report.sessions += count
    changed = set(before.skus) != set(after.skus)
    report.changed += count * changed
    report.reordered += count * (not changed and before.skus != after.skus)
    report.zero_before += count * (not before.skus or before.fallback)
    report.zero_after += count * (not after.skus or after.fallback)
    report.relaxed_before += count * before.relaxed
    report.relaxed_after += count * after.relaxed
    for sku in before.skus:
        report.exposure_before[sku] += count
    for sku in after.skus:
        report.exposure_after[sku] += count
    path = report.paths.setdefault(label, PathReport(label))
    path.sessions += count
    path.matching_before += count * before.matching
    path.matching_after += count * after.matching
    path.empty_before += count * before.empty
    path.empty_after += count * after.empty
    path.changed += count * changed


def path_label(flow: Flow, answers: Answers) -> str:
    """An answer path as a merchandiser reads it: the choices in order, a range or scale as its question only
    (budgets differ from shopper to shopper; grouping by them would make every session a path of its own)."""
    parts = []
    for question_id, value in answers:
        question = flow.question(question_id)
        if question is None or question.type in ("range", "scale"):
            continue
        chosen = value if isinstance(value, list) else [value]
        parts.append(f"{question_id}={'+'.join(str(v) for v in chosen) if value is not None else '-'}")
    return " > ".join(parts) or "(no choice)"


def _apart(draft: Flow, live: Flow) -> Flow:
    """The draft under an id of its own while it is ranked: the index remembers masks per flow id, and the live
    quiz's must stay those of the live flow."""
    return draft.model_copy(update={"id": f"{live.id}~draft"}) if draft.id == live.id else draft


def _own_memory(index: CatalogIndex) -> CatalogIndex:
    """The same index with memory of its own: thousands of replayed answer sets must not fill and clear the live
    quiz's memos (what they hold already is reused: a copy of the dict, not of the arrays)."""
    return replace(index, memo=dict(index.memo), answered={}, shown={})
