"""A flow experiment's results per variant: completion, click and purchase against the control flow.

Laid out as the campaign results are (campaign_results.py): the always-valid comparisons first, the
fixed-horizon ones below and labelled, the sample ratio check on top when it fails.
"""

from __future__ import annotations

from flask import abort, render_template

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.campaign_results import p_text, percent
from assistant.admin.campaigns import site_or_404
from assistant.analytics.experiments import Settings
from assistant.analytics.flow_experiments import FlowExperimentResult, flow_experiment_results
from assistant.analytics.stats import TOO_SMALL, Comparison
from assistant.db import get_session
from assistant.errors import NotFound
from assistant.flows.registry import get_registry
from assistant.flows.site_flows import site_flow

NAMES = {"completion": "Completion (reached the results)", "click": "Clicked a result", "purchase": "Purchase"}


@bp.get("/flows/<flow_id>/experiment")
@login_required("merchandiser")
def flow_experiment(flow_id: str) -> str:
    """The flow's experiment: visitors per variant, their rates, and each variant against the control."""
    site = site_or_404()
    try:
        flow = site_flow(get_registry(), site.key, flow_id)
    except NotFound:
        abort(404)
    settings = Settings()
    if flow.experiment is None:  # said on the page, with how to start one
        return render_template("admin/flow_experiment.html", site=site, flow=flow, result=None, settings=settings)
    result = flow_experiment_results(session=get_session(), site=site, flow=flow, settings=settings)
    return render_template("admin/flow_experiment.html", site=site, flow=flow, result=result, settings=settings,
                           percent=percent, names=NAMES, sequential=rows(result, sequential=True),
                           fixed=rows(result, sequential=False), too_small=TOO_SMALL)


def rows(result: FlowExperimentResult, *, sequential: bool) -> list[dict[str, str]]:
    """Each variant's comparisons with the control, formatted: metric, rates, difference, interval, p, verdict."""
    found = []
    for arm in result.arms:
        for metric, c in (arm.sequential if sequential else arm.fixed).items():
            found.append({"flow": arm.flow, "metric": NAMES[metric], **_formatted(c)})
    return found


def _formatted(c: Comparison) -> dict[str, str]:
    interval = "–"
    if c.ci_low is not None and c.ci_high is not None:
        interval = f"{percent(c.ci_low, True)} to {percent(c.ci_high, True)}"
    return {"control": percent(c.baseline), "variant": percent(c.variant), "difference": percent(c.difference, True),
            "interval": interval, "p_value": p_text(c.p_value), "verdict": c.verdict}
