"""`assistant train`: the nightly job, one node at a time: recommendation bundles, customer figures, earnings
aggregates and bandit campaigns' shares, site by site."""

from __future__ import annotations

import click

from assistant.cli.campaigns import allocate_site
from assistant.cli.connect import open_session

TRAIN_LEASE_SECONDS = 1800
"""How long a node that died mid-training keeps others from training (renewed before each site)."""


@click.command()
@click.option("--site", "site_key", default=None, help="Train one site (default: every site).")
@click.option("--days", default=90, show_default=True, help="Events of the last N days.")
@click.option("--horizon-days", default=365, show_default=True, help="Customer lifetime value over the next N days.")
@click.option("--earnings-days", default=3, show_default=True,
              help="Recompute the dashboard's earnings aggregates of the last N days.")
def train(site_key: str | None, days: int, horizon_days: int, earnings_days: int) -> None:
    """Fit every recommendation strategy from events and catalog, then compute every customer's figures
    (RFM segment, lifetime value, P(alive), churn risk) and the last days' earnings aggregates (the dashboard);
    the server picks them up live."""
    from sqlmodel import select

    from assistant.analytics.aggregates import compute_earnings
    from assistant.analytics.path_outcomes import site_judge
    from assistant.config import Settings
    from assistant.insight.nightly import churn_scorer, compute_site_figures
    from assistant.leases import job_lease
    from assistant.recommend.training import train_site
    from assistant.sites.models import Site
    from assistant.sites.service import get_site_by_key
    from assistant.timeutil import utcnow

    settings = Settings.from_env()
    with open_session() as session, job_lease(session=session, name="train", seconds=TRAIN_LEASE_SECONDS,
                                              clock=utcnow) as hold:
        if not hold.won:  # another node's cron started it first: one trains, every node picks the bundle up
            click.echo(f"skipped: `assistant train` is running on {hold.holder}")
            return
        targets = [get_site_by_key(session=session, key=site_key)] if site_key else list(session.exec(select(Site)))
        for target in targets:
            hold.renew()
            report = train_site(session=session, site=target, root=settings.models_dir, now=utcnow(), days=days)
            click.echo(f"{target.key}: {report.products} products, {report.events} events in {report.sessions} "
                       f"visits, {report.baskets} baskets -> {report.path} ({report.seconds:.1f} s)")
            figures = compute_site_figures(session=session, site=target, now=utcnow(), horizon_days=horizon_days,
                                           churn_scores=churn_scorer())
            session.commit()
            click.echo(figures.line())
            if figures.churn_scored:
                click.echo(figures.churn_evaluation)
            judge = site_judge(session=session, site=target, flows_dir=settings.flows_dir)
            earnings = compute_earnings(session=session, site=target, now=utcnow(), days=earnings_days, judge=judge)
            session.commit()
            click.echo(earnings.line())
            for line in allocate_site(session=session, site=target):  # bandit campaigns' new shares
                click.echo(line)
