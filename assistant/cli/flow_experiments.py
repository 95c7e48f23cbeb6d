"""`assistant flows experiment results FLOW [--site KEY]`: a flow experiment's results in a terminal.

The same numbers as the admin page (analytics/flow_experiments.py): the always-valid comparisons first, the
fixed-horizon ones below. Registered on the `flows` group by cli/flows.py; imports only click until the command runs.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from assistant.analytics.flow_experiments import FlowExperimentResult


@click.group("experiment")
def experiment() -> None:
    """Flow experiments: variants of a flow served to shares of visitors."""


@experiment.command("results")
@click.argument("flow_id")
@click.option("--site", "site_key", default=None, help="The site (default: the only site offered the flow).")
def results(flow_id: str, site_key: str | None) -> None:
    """Visitors, completion, click and purchase per variant of FLOW's experiment, against the control."""
    from assistant.analytics.flow_experiments import flow_experiment_results
    from assistant.cli.connect import open_session
    from assistant.cli.flows import site_offered
    from assistant.config import Settings
    from assistant.errors import NotFound
    from assistant.flows.registry import FlowRegistry

    try:
        flow = FlowRegistry(Settings.from_env().flows_dir, reload=False).get(flow_id)
    except NotFound as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if flow.experiment is None:
        click.echo(f"error: flow '{flow_id}' runs no experiment (no `experiment:` in its file)", err=True)
        sys.exit(2)
    with open_session() as session:
        site = site_offered(session, flow, site_key)
        click.echo(report_text(flow_experiment_results(session=session, site=site, flow=flow)))


def report_text(result: FlowExperimentResult) -> str:
    """The results as a table per variant, then each test's comparisons, the always-valid one first."""
    lines = [f"Experiment '{result.experiment}' of flow '{result.flow}'",
             f"  {'variant':<24} {'share':>6} {'visitors':>9} {'completion':>11} {'click':>8} {'purchase':>9}"]
    for arm in result.arms:
        rates = [_pct(arm.rate(m)) for m in ("completion", "click", "purchase")]
        name = f"{arm.flow}{' (control)' if arm.control else ''}"
        lines.append(f"  {name:<24} {arm.share:>5g}% {arm.visitors:>9} {rates[0]:>11} {rates[1]:>8} {rates[2]:>9}")
    if result.srm is not None and result.srm.mismatch:
        lines.append(f"  SAMPLE RATIO MISMATCH (p = {result.srm.p_value:.2g}): do not trust these results yet")
    for title, sequential in (("Always-valid (sequential) test: valid whenever you look", True),
                              ("Fixed-horizon test: valid only at one look at a size fixed in advance", False)):
        lines.append(title)
        for arm in result.arms:
            for metric, c in (arm.sequential if sequential else arm.fixed).items():
                interval = "" if c.ci_low is None or c.ci_high is None else \
                    f" [{100 * c.ci_low:+.1f}, {100 * c.ci_high:+.1f}] pp"
                difference = "–" if c.difference is None else f"{100 * c.difference:+.1f} pp"
                p = "" if c.p_value is None else f", p = {c.p_value:.3f}"
                lines.append(f"  {arm.flow} {metric}: {difference}{interval}{p}: {c.verdict}")
    return "\n".join(lines)


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{100 * rate:.1f}%"
