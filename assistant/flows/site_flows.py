"""The flows of one site: the registry's live flows, less those whose `sites:` leave the site out.

A filter on top of FlowRegistry (whose public methods stay as they are): the API, the admin and the
demo ask here, so a flow written for shop A is, for shop B, a flow that does not exist.
"""

from __future__ import annotations

from assistant.errors import NotFound
from assistant.flows.registry import FlowRegistry
from assistant.flows.schema import Flow


def site_flows(registry: FlowRegistry, site_key: str, *, page: str | None = None) -> list[Flow]:
    """The live flows the site offers (on the URL path `page`, when given), in file-name order; an experiment's
    variants (`variant_of:`) are offered only through their flow (flows/experiments.py)."""
    flows = registry.for_page(page) if page else registry.flows()
    return [f for f in flows if f.offered_to(site_key) and f.variant_of is None]


def site_flow(registry: FlowRegistry, site_key: str, flow_id: str) -> Flow:
    """The live flow `flow_id` if the site offers it, else the same NotFound as a flow id that is not."""
    flow = registry.get(flow_id)
    if not flow.offered_to(site_key):
        raise NotFound(f"no flow has the id '{flow_id}'", field="flow")
    return flow
