"""`assistant customer delete | export`: one person's data, for privacy requests."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli.connect import open_session
from assistant.cli.display import shown


@click.group()
def customer() -> None:
    """One person's data, for privacy requests: export it (access) or delete it (erasure)."""


@customer.command("delete")
@click.argument("customer_id")
@click.option("--site", "site_key", required=True, help="Public key of the site.")
@click.option("--yes", is_flag=True, help="Delete without asking.")
def customer_delete(customer_id: str, site_key: str, yes: bool) -> None:
    """Delete everything held about CUSTOMER_ID (a customer id, v:<visitor id> or the widget's anonymous id)."""
    from assistant.privacy.delete import delete_customer
    from assistant.privacy.subjects import resolve_subject
    from assistant.sites.service import get_site_by_key

    with open_session() as session:
        target = get_site_by_key(session=session, key=site_key)
        subject = resolve_subject(session=session, site=target, subject_id=customer_id)
        who = f"customer '{subject.customer_id}'" if subject.customer_id else f"anonymous visitor '{subject.asked}'"
        if not yes:
            click.confirm(f"Delete every row held about {who} ({len(subject.visitor_ids)} visitors) on site "
                          f"{target.key}? This cannot be undone", abort=True)
        report = delete_customer(session=session, site=target, customer_id=customer_id, by="cli")
    click.echo(f"deleted the data of {who} on site {target.key}:")
    for name, count in report.counts.items():
        click.echo(f"  {name:<14} {count}")
    click.echo(f"  {'total':<14} {report.total}")


@customer.command("export")
@click.argument("customer_id")
@click.option("--site", "site_key", required=True, help="Public key of the site.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here (readable by its owner only) instead of to standard output.")
def customer_export(customer_id: str, site_key: str, output: Path | None) -> None:
    """Write everything held about CUSTOMER_ID as JSON, for an access request."""
    import os

    from assistant.privacy.export import export_json
    from assistant.sites.service import get_site_by_key

    with open_session() as session:
        pieces = export_json(session=session, site=get_site_by_key(session=session, key=site_key),
                             customer_id=customer_id)
        if output is None:
            for piece in pieces:
                click.echo(piece, nl=False)
            return
        try:
            with os.fdopen(os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
                out.writelines(pieces)
        except OSError as exc:
            raise click.ClickException(f"cannot write {shown(output)}: {exc.strerror}") from None
    click.echo(f"wrote {shown(output)}", err=True)
