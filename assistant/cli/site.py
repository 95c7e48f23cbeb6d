"""`assistant site create | secret | list | set`: the shops that embed the widget; `set` changes a site's settings
from the command line (its control group's share, its default locale)."""

from __future__ import annotations

import click

from assistant.cli.connect import open_session

CONTROL_SHARE_HELP = ("Share of visitors held out in the control group, who see nothing of the assistant "
                      "(docs/control-group.md): 0.05 is 5 %, 0 switches the group off, at most 0.5.")
DEFAULT_LOCALE_HELP = ("The language shown to a page whose own language has no catalogue (docs/i18n.md): a tag "
                       "CLDR knows, such as fr or de-CH; '' for English.")


@click.group()
def site() -> None:
    """Shops that embed the widget."""


@site.command("create")
@click.option("--name", required=True)
@click.option("--origin", "origins", multiple=True, help="An origin allowed to call the API (repeatable).")
@click.option("--currency", default="EUR", show_default=True)
@click.option("--key", default=None, help="Public key to use (default: a new random one).")
@click.option("--control-share", type=float, default=0.05, show_default=True, help=CONTROL_SHARE_HELP)
def site_create(name: str, origins: tuple[str, ...], currency: str, key: str | None, control_share: float) -> None:
    """Create a site and print its public key."""
    from assistant.sites.secrets import issue_secret
    from assistant.sites.service import create_site

    with open_session() as session:
        created = create_site(session=session, name=name, origins=list(origins), currency=currency, key=key,
                              control_share=control_share)
        secret = issue_secret(created)
        click.echo(created.key)
    _show_secret(secret)


@site.command("secret")
@click.option("--site", "site_key", required=True, help="Public key of the site.")
def site_secret(site_key: str) -> None:
    """Give the site a new secret key (the old one stops working) and show it, this once."""
    from assistant.sites.secrets import issue_secret
    from assistant.sites.service import get_site_by_key

    with open_session() as session:
        secret = issue_secret(get_site_by_key(session=session, key=site_key))
    _show_secret(secret)


def _show_secret(secret: str) -> None:
    """On stderr, so `KEY=$(assistant site create ...)` still captures the public key alone."""
    click.echo(f"secret key (shown only now; keep it on the shop's server, for POST /api/v1/orders): {secret}",
               err=True)


@site.command("list")
def site_list() -> None:
    """List sites with their keys and allowed origins."""
    from sqlmodel import col, select

    from assistant.sites.models import Site

    with open_session() as session:
        for found in session.exec(select(Site).order_by(col(Site.id))):
            click.echo(f"{found.key}\t{found.name}\t{' '.join(found.allowed_origins) or '-'}")


@site.command("set")
@click.option("--site", "site_key", required=True, help="Public key of the site.")
@click.option("--control-share", type=float, help=CONTROL_SHARE_HELP)
@click.option("--default-locale", help=DEFAULT_LOCALE_HELP)
def site_set(site_key: str, control_share: float | None, default_locale: str | None) -> None:
    """Change a site's settings; visitors already seen keep their group."""
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
