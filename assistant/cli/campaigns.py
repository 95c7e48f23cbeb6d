"""`assistant campaigns allocate`: new bandit shares for live bandit campaigns, for cron (e.g. hourly) or `train`.

Registered on the `assistant` group by cli/__init__.py; imports only click until the command runs
(tests/test_cli_startup.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlmodel import Session

    from assistant.sites.models import Site


@click.group()
def campaigns() -> None:
    """Promotion campaigns."""


@campaigns.command("allocate")
@click.option("--site", "site_key", default=None, help="Public key of a site (default: every site).")
def campaigns_allocate(site_key: str | None) -> None:
    """Update every live bandit campaign's traffic shares from its results (Thompson sampling); one line each."""
    from sqlmodel import select

    from assistant.cli.connect import open_session
    from assistant.sites.models import Site
    from assistant.sites.service import get_site_by_key

    with open_session() as session:
        targets = [get_site_by_key(session=session, key=site_key)] if site_key else list(session.exec(select(Site)))
        for target in targets:
            for line in allocate_site(session=session, site=target):
                click.echo(line)


def allocate_site(*, session: Session, site: Site) -> list[str]:
    """Update the site's bandit campaigns and commit; a line per campaign (`train` calls this too)."""
    from assistant.analytics.allocation import update_allocations
    from assistant.timeutil import utcnow

    done = update_allocations(session=session, site=site, now=utcnow())
    session.commit()
    return [f"{site.key}: bandit {d.line()}" for d in done]
