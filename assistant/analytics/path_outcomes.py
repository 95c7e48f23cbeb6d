"""How each answer path ends under the live flow and catalog: with no match (the popular fallback) or relaxed.

The widget records the products a quiz showed, not how the engine found them, so the nightly job asks the
engine again: each distinct answer path of the day's finished quizzes is replayed against the flow and
ranked over the site's catalog index (flows.ranking, what requests use), once per path. The answer is
today's: a flow or catalog edited since tells how the path would end now, which is what a merchandiser fixes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from assistant.catalog.index import CatalogIndex, build_index
from assistant.flows.quiz import replay
from assistant.flows.ranking import results
from assistant.flows.registry import FlowRegistry
from assistant.flows.schema import Flow
from assistant.flows.site_flows import site_flows
from assistant.sites.models import Site

Outcome = tuple[bool, bool]
"""(found no match, relaxed an answer)."""
Judge = Callable[[str, Any], Outcome | None]
"""Given a flow id and stored answers ([[question, value], ...]): the outcome, or None for a flow not live."""


def path_judge(*, flows: dict[str, Flow], index: CatalogIndex) -> Judge:
    """A judge over these flows and this index, remembering each path's outcome."""
    known: dict[tuple[str, str], Outcome] = {}

    def judge(flow_id: str, stored: Any) -> Outcome | None:
        flow = flows.get(flow_id)
        if flow is None or not isinstance(stored, list):
            return None
        key = (flow_id, json.dumps(stored, sort_keys=True, default=str))
        if key not in known:
            found = results(flow, replay(flow, stored), index)
            known[key] = (not found.items or found.fallback or found.matching == 0, bool(found.relaxed))
        return known[key]
    return judge


def site_judge(*, session: Session, site: Site, flows_dir: Path) -> Judge:
    """A judge over the site's flows in `flows_dir` and its catalog as stored now."""
    with session.get_bind().connect() as connection:  # type: ignore[union-attr]
        index = build_index(connection, site.pk)
    flows = {flow.id: flow for flow in site_flows(FlowRegistry(flows_dir, reload=False), site.key)}
    return path_judge(flows=flows, index=index)
