"""What a draft changes in a flow's structure: questions, answers, filters, boosts and settings, by id.

Questions and answers are matched by their ids (the ids stored answers refer to), so a renamed id reads
as one removed and one added, which is what it means for recorded sessions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from assistant.flows.schema import Flow


@dataclass(frozen=True)
class Change:
    """One difference: where it is, and what changed (`before` and `after` None when added or removed)."""

    where: str
    what: str
    before: str | None = None
    after: str | None = None

    def format(self) -> str:
        """One line: `where: what` with the values when they changed."""
        if self.before is None and self.after is None:
            return f"{self.where}: {self.what}"
        return f"{self.where}: {self.what}: {self.before} -> {self.after}"


def diff_flows(live: Flow, draft: Flow) -> list[Change]:
    """Every structural difference from `live` to `draft`, in the draft's order."""
    changes = _fields("flow", _settings(live), _settings(draft))
    before = {q.id: q for q in live.questions}
    after = {q.id: q for q in draft.questions}
    changes += [Change(f"question '{qid}'", "removed") for qid in before if qid not in after]
    kept = [q.id for q in draft.questions if q.id in before]
    if kept != [qid for qid in before if qid in after]:
        changes.append(Change("questions", "order", " ".join(q for q in before if q in after), " ".join(kept)))
    for question in draft.questions:
        where = f"question '{question.id}'"
        if question.id not in before:
            changes.append(Change(where, "added"))
            continue
        old = before[question.id]
        changes += _fields(where, old.model_dump(exclude={"answers"}), question.model_dump(exclude={"answers"}))
        changes += _answers(where, {a.id: a.model_dump() for a in old.answers},
                            {a.id: a.model_dump() for a in question.answers})
    return changes


def _settings(flow: Flow) -> dict[str, Any]:
    return flow.model_dump(exclude={"questions"})


def _answers(where: str, before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[Change]:
    changes = [Change(f"{where} answer '{aid}'", "removed") for aid in before if aid not in after]
    for aid, fields in after.items():
        if aid not in before:
            changes.append(Change(f"{where} answer '{aid}'", "added", None, _text(fields.get("filter") or {})
                                  if fields.get("filter") else None))
        else:
            changes += _fields(f"{where} answer '{aid}'", before[aid], fields)
    return changes


def _fields(where: str, before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    return [Change(where, name, _text(before.get(name)), _text(after.get(name)))
            for name in after if before.get(name) != after.get(name)]


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
