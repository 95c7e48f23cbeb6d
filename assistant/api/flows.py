"""GET /flows: the flows offered on a page; GET /flows/<id>: one flow's questions."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from assistant.api import bp
from assistant.api.contract import Answer, Operation, documented
from assistant.api.control import CONTROL, VISITOR_ID, held_out
from assistant.api.documents import FlowDetail, FlowList, FlowsQuery, SiteQuery
from assistant.api.origins import current_site
from assistant.api.shapes import flow_public, flow_summary
from assistant.errors import Invalid
from assistant.flows.experiments import serve
from assistant.flows.registry import FlowRegistry, get_registry
from assistant.flows.schema import Flow
from assistant.flows.site_flows import site_flow, site_flows


@bp.get("/flows")
@documented(Operation("The flows offered on a page", tag="quiz", query=FlowsQuery,
                      answers={200: Answer("The site's flows for the page (none for a held-out visitor)", FlowList)}))
def list_flows() -> Response:
    """The site's flows whose entry pages match `page` (a URL path; default: all); none for `visitor` (the widget's
    id, when tracking is allowed) in the control group, so the widget shows no launcher."""
    site = current_site()
    page = request.args.get("page")
    if page is not None and (not page.startswith("/") or len(page) > 2000):
        raise Invalid("must be a URL path starting with '/'", field="page")
    visitor = request.args.get("visitor")
    if visitor is not None and not VISITOR_ID.match(visitor):
        raise Invalid("must be the widget's visitor id (8-64 letters, digits or _.:-)", field="visitor")
    if held_out(site, visitor):
        return jsonify({"flows": [], **CONTROL})
    registry = get_registry()
    flows = site_flows(registry, site.key, page=page or None)
    return jsonify({"flows": [_summary(registry, site.key, f, visitor) for f in flows]})


def _summary(registry: FlowRegistry, site_key: str, flow: Flow, visitor: str | None) -> dict[str, Any]:
    """The flow as offered; in an experiment, the visitor's variant's words under the flow's id and entry."""
    served = serve(registry, site_key, flow, visitor).flow
    if served is flow:
        return flow_summary(flow)
    return {**flow_summary(served), "id": flow.id, "trigger": flow.entry.trigger}


@bp.get("/flows/<flow_id>")
@documented(Operation("One flow with its questions", tag="quiz", query=SiteQuery, path={"flow_id": "The flow's id"},
                      answers={200: Answer("The flow", FlowDetail)}))
def show_flow(flow_id: str) -> Response:
    """One flow of the site with its questions."""
    return jsonify({"flow": flow_public(site_flow(get_registry(), current_site().key, flow_id))})
