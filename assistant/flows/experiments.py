"""Flow experiments at serving time: which variant of a flow a visitor is shown, sticky and by the shares.

A hash of (site, experiment, visitor) gives a number in [0, 1) that is the same on every request and every app
node (as promotions/variants.py does for campaigns), so assignment needs no storage and no query: the quiz start
records the variant on the quiz session (migration 0023) and the results read it from there. A visitor without
an id (no consent to tracking) is not measured, so is shown the control flow and recorded in no experiment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from assistant.errors import NotFound
from assistant.flows.registry import FlowRegistry
from assistant.flows.schema import Experiment, Flow

_SCALE = float(2**64)


@dataclass(frozen=True)
class Served:
    """The flow a visitor is shown for a requested flow, and the experiment it was assigned in (None: none)."""

    flow: Flow
    experiment: str | None = None


def bucket(site_key: str, experiment_id: str, visitor: str) -> float:
    """The visitor's position in [0, 1) for one experiment of one site."""
    digest = hashlib.blake2b(f"{site_key}:flow-experiment:{experiment_id}:{visitor}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def assign(experiment: Experiment, site_key: str, visitor: str) -> str:
    """The flow id of the variant the visitor falls in, by the variants' shares (in file order)."""
    point = bucket(site_key, experiment.id, visitor) * sum(v.share for v in experiment.variants)
    for variant in experiment.variants:
        point -= variant.share
        if point < 0:
            return variant.flow
    return experiment.variants[-1].flow


def serve(registry: FlowRegistry, site_key: str, flow: Flow, visitor: str | None) -> Served:
    """What to show a visitor who asked for `flow`: its assigned variant when it runs an experiment (the flow
    itself, unrecorded, for a visitor without an id, or when the variant is not live for the site)."""
    if flow.experiment is None or not visitor:
        return Served(flow)
    chosen = assign(flow.experiment, site_key, visitor)
    if chosen == flow.id:
        return Served(flow, flow.experiment.id)
    try:
        variant = registry.get(chosen)
    except NotFound:
        return Served(flow)
    if variant.variant_of != flow.id or not variant.offered_to(site_key):
        return Served(flow)
    return Served(variant, flow.experiment.id)
