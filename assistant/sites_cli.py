"""`assistant site set`: change a site's settings from the command line (its control group's share, its default
locale).

Registered on the `site` group by cli/site.py; imports only click until the command runs (tests/test_cli_startup.py).
"""

from __future__ import annotations

import click

CONTROL_SHARE_HELP = ("Share of visitors held out in the control group, who see nothing of the assistant "
                      "(docs/control-group.md): 0.05 is 5 %, 0 switches the group off, at most 0.5.")
DEFAULT_LOCALE_HELP = ("The language shown to a page whose own language has no catalogue (docs/i18n.md): a tag "
                       "CLDR knows, such as fr or de-CH; '' for English.")


@click.command("set")
@click.option("--site", "site_key", required=True, help="Public key of the site.")
@click.option("--control-share", type=float, help=CONTROL_SHARE_HELP)
@click.option("--default-locale", help=DEFAULT_LOCALE_HELP)
def site_set(site_key: str, control_share: float | None, default_locale: str | None) -> None:
    """Change a site's settings; visitors already seen keep their group."""
    from assistant.cli.connect import open_session
    from assistant.sites.control import set_control_share
    from assistant.sites.locale import set_default_locale
    from assistant.sites.service import get_site_by_key

    if control_share is None and default_locale is None:
        raise click.UsageError("say what to change: --control-share and/or --default-locale")
    with open_session() as session:
        found = get_site_by_key(session=session, key=site_key)
        share_before, locale_before = found.control_share, found.default_locale
        if control_share is not None:
            set_control_share(site=found, share=control_share)
        if default_locale is not None:
            set_default_locale(site=found, tag=default_locale)
        locale_after = found.default_locale
    if control_share is not None:
        click.echo(f"{site_key}: control share {share_before:.4g} -> {control_share:.4g} "
                   "(new visitors; seen ones keep theirs)")
    if default_locale is not None:
        click.echo(f"{site_key}: default locale {locale_before or 'en'} -> {locale_after or 'en'}")
