"""`assistant admin create-user | grant | set-password | deactivate`: admin accounts."""

from __future__ import annotations

import click

from assistant.cli.connect import open_session
from assistant.cli.display import command_name
from assistant.users.roles import ROLES


@click.group()
def admin() -> None:
    """Admin accounts."""


@admin.command("create-user")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(list(ROLES)), default="admin", show_default=True)
@click.option("--name", default="")
@click.option("--site", "site_keys", multiple=True, help="Public key of a site the account may see (repeatable).")
@click.option("--all-sites", is_flag=True, help="Every site, later ones too: the operator's account.")
@click.password_option(help="Prompted for (twice) when not given.")
def admin_create_user(email: str, role: str, name: str, site_keys: tuple[str, ...], all_sites: bool,
                      password: str) -> None:
    """Create an admin account that sees the sites given with --site (the operator's: --all-sites)."""
    from assistant.sites.service import get_site_by_key
    from assistant.users.service import create_user

    with open_session() as session:
        sites = [get_site_by_key(session=session, key=key) for key in site_keys]
        user = create_user(session=session, email=email, password=password, role=role, name=name, sites=sites,
                           all_sites=all_sites)
        click.echo(f"created {user.role} {user.email}")
        if not sites and not all_sites:
            click.echo(f"{user.email} sees no site yet: give one with `{command_name()} admin grant {user.email} "
                       "SITE_KEY`", err=True)


@admin.command("grant")
@click.argument("email")
@click.argument("site_key")
def admin_grant(email: str, site_key: str) -> None:
    """Let the account EMAIL see the site SITE_KEY in the admin."""
    from assistant.sites.service import get_site_by_key
    from assistant.users.service import find_user, grant_site

    with open_session() as session:
        user = find_user(session=session, email=email)
        added = grant_site(session=session, user=user, site=get_site_by_key(session=session, key=site_key))
        click.echo(f"{user.email} {'may now see' if added else 'could already see'} {site_key}")


@admin.command("set-password")
@click.option("--email", required=True)
@click.password_option(help="Prompted for (twice) when not given.")
def admin_set_password(email: str, password: str) -> None:
    """Change an account's password; every session of the account ends."""
    from assistant.users.service import find_user, set_password

    with open_session() as session:
        user = find_user(session=session, email=email)
        set_password(session=session, user=user, password=password)
        click.echo(f"password changed for {user.email}; its sessions are ended")


@admin.command("deactivate")
@click.option("--email", required=True)
def admin_deactivate(email: str) -> None:
    """Deactivate an account: it can no longer log in and every session of it ends."""
    from assistant.users.service import find_user, set_active

    with open_session() as session:
        user = find_user(session=session, email=email)
        set_active(session=session, user=user, active=False)
        click.echo(f"deactivated {user.email}; its sessions are ended")
