"""`assistant site set`: change a site's settings from the command line (for now its control group's share).

Registered on the `site` group by cli.py; imports only click until the command runs (tests/test_cli_startup.py).
"""

from __future__ import annotations

import click

CONTROL_SHARE_HELP = ("Share of visitors held out in the control group, who see nothing of the assistant "
                      "(docs/control-group.md): 0.05 is 5 %, 0 switches the group off, at most 0.5.")


@click.command("set")
@click.option("--site", "site_key", required=True, help="Public key of the site.")
@click.option("--control-share", type=float, required=True, help=CONTROL_SHARE_HELP)
def site_set(site_key: str, control_share: float) -> None:
    """Change a site's settings; visitors already seen keep their group."""
    from assistant.cli import _session
    from assistant.sites.control import set_control_share
    from assistant.sites.service import get_site_by_key

    with _session() as session:
        found = get_site_by_key(session=session, key=site_key)
        before = found.control_share
        set_control_share(site=found, share=control_share)
    click.echo(f"{site_key}: control share {before:.4g} -> {control_share:.4g} (new visitors; seen ones keep theirs)")
