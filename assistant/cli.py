"""The `assistant` command: demo, serve, db upgrade, site, catalog import, flows check, surveys check, customer
export | delete, baskets run.

Each command imports what it needs inside its function: `assistant --help` loads click and nothing
of the stack (tests/test_cli_startup.py keeps it so). Only `db upgrade` and `demo` migrate; every
other command refuses a database whose schema is not this version's (`migrate.require_current`).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.baskets_cli import baskets
from assistant.campaigns_cli import allocate_site, campaigns
from assistant.errors import AssistantError
from assistant.flow_experiments_cli import experiment as flow_experiment
from assistant.flows_cli import flows_diff
from assistant.i18n_cli import i18n
from assistant.sites_cli import CONTROL_SHARE_HELP, site_set
from assistant.surveys_cli import surveys
from assistant.users.roles import ROLES

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from assistant.catalog.index import CatalogIndex


TRAIN_LEASE_SECONDS = 1800
"""How long a node that died mid-training keeps others from training (renewed before each site)."""


@click.group()
def main() -> None:
    """On-site guided-selling assistant."""


main.add_command(surveys)  # `assistant surveys check`, in its own module
main.add_command(baskets)  # `assistant baskets run`, in its own module
main.add_command(i18n)  # `assistant i18n extract | update | compile`, in its own module
main.add_command(campaigns)  # `assistant campaigns allocate`, in its own module


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    from assistant import migrate
    from assistant.config import Settings

    settings = Settings.from_env()
    migrate.upgrade(settings.database_url)
    click.echo(f"database is up to date ({_safe_url(settings.database_url)})")


@main.group()
def site() -> None:
    """Shops that embed the widget."""


site.add_command(site_set)  # `assistant site set`, in its own module


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

    with _session() as session:
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

    with _session() as session:
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

    with _session() as session:
        for found in session.exec(select(Site).order_by(col(Site.id))):
            click.echo(f"{found.key}\t{found.name}\t{' '.join(found.allowed_origins) or '-'}")


@main.group()
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

    with _session() as session:
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

    with _session() as session:
        user = find_user(session=session, email=email)
        added = grant_site(session=session, user=user, site=get_site_by_key(session=session, key=site_key))
        click.echo(f"{user.email} {'may now see' if added else 'could already see'} {site_key}")


@admin.command("set-password")
@click.option("--email", required=True)
@click.password_option(help="Prompted for (twice) when not given.")
def admin_set_password(email: str, password: str) -> None:
    """Change an account's password; every session of the account ends."""
    from assistant.users.service import find_user, set_password

    with _session() as session:
        user = find_user(session=session, email=email)
        set_password(session=session, user=user, password=password)
        click.echo(f"password changed for {user.email}; its sessions are ended")


@admin.command("deactivate")
@click.option("--email", required=True)
def admin_deactivate(email: str) -> None:
    """Deactivate an account: it can no longer log in and every session of it ends."""
    from assistant.users.service import find_user, set_active

    with _session() as session:
        user = find_user(session=session, email=email)
        set_active(session=session, user=user, active=False)
        click.echo(f"deactivated {user.email}; its sessions are ended")


@main.group()
def orders() -> None:
    """Verified orders from the shop's own data."""


@orders.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_key", required=True, help="Public key of the site.")
def orders_import(file: Path, site_key: str) -> None:
    """Import verified orders from a CSV or JSON Lines file; an order already there is left as it is."""
    from assistant.sites.service import get_site_by_key
    from assistant.timeutil import utcnow
    from assistant.tracking.order_files import read_orders
    from assistant.tracking.orders import record_order

    stored = known = 0
    problems: list[str] = []
    with _session() as session:
        target = get_site_by_key(session=session, key=site_key)
        now = utcnow()
        for number, row in read_orders(file):
            if isinstance(row, AssistantError):
                problems.append(f"{file}:{number}: {row.field}: {row.message}")
            elif record_order(session=session, site=target, order=row, source="import", now=now):
                stored += 1
            else:
                known += 1
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"{stored} orders stored, {known} already there, {len(problems)} rows skipped")
    sys.exit(1 if problems else 0)


@main.group()
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

    with _session() as session:
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

    with _session() as session:
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
            raise click.ClickException(f"cannot write {_shown(output)}: {exc.strerror}") from None
    click.echo(f"wrote {_shown(output)}", err=True)


@main.group()
def history() -> None:
    """A shop's past orders."""


@history.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_key", required=True, help="Public key of the site.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML file: order and line field -> column (docs/history.md).")
@click.option("--layout", type=click.Choice(["online-retail", "shopify"]), help="A shipped mapping, by name.")
@click.option("--encoding", default=None, help="Text encoding of the file (default: the mapping's, else UTF-8).")
@click.option("--dry-run", is_flag=True, help="Read the whole file and say what would be stored; write nothing.")
def history_import(file: Path, site_key: str, mapping: Path | None, layout: str | None, encoding: str | None,
                   dry_run: bool) -> None:
    """Import past orders (one row per order line; CSV or JSON Lines, .gz too) with their own dates.

    Idempotent by order id; committed every 2,000 orders; what is left out is counted by reason.
    """
    from assistant.history_cli import checked_history_mapping, summary
    from assistant.sites.service import get_site_by_key
    from assistant.tracking.history import import_history

    with _session() as session:
        target = get_site_by_key(session=session, key=site_key)
        loaded, encoding, problems = checked_history_mapping(mapping, layout, file, encoding)
        if loaded is None:
            click.echo("\n".join(problems), err=True)
            sys.exit(2)
        with _progress(file) as advance:
            report = import_history(session=session, site=target, path=file, mapping=loaded, encoding=encoding,
                                    progress=advance, dry_run=dry_run)
    click.echo("\n".join(summary(report, file)))
    sys.exit(1 if report.problem is not None or (report.orders and not report.stored and not report.known) else 0)


@main.group()
def catalog() -> None:
    """Products."""


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_key", required=True, help="Public key of the site.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML file: product field -> source column (docs/mapping.md).")
@click.option("--encoding", default=None,
              help="Text encoding of a CSV or JSON Lines file, e.g. latin-1 (default: the mapping's, else UTF-8).")
@click.option("--dry-run", is_flag=True, help="Show the first products and each attribute's coverage; write nothing.")
def catalog_import(file: Path, site_key: str, mapping: Path | None, encoding: str | None, dry_run: bool) -> None:
    """Import or update products from a CSV, JSON (Lines) or Google Merchant XML file, streamed, in one transaction.

    The mapping file and the file's header are checked first: a mistake is reported at its line, and
    nothing is read further.
    """
    from assistant.catalog.importers import read_rows
    from assistant.catalog.service import import_products
    from assistant.catalog_cli import checked_mapping, dry_run_report
    from assistant.sites.service import get_site_by_key

    with _session() as session:
        target = get_site_by_key(session=session, key=site_key)
        column_mapping, encoding, problems = checked_mapping(mapping, file, currency=target.currency,
                                                             encoding=encoding)
        if column_mapping is None:
            click.echo("\n".join(problems), err=True)
            sys.exit(2)
        if dry_run:
            lines, errors, accepted = dry_run_report(file, column_mapping, encoding=encoding)
            for error in errors:
                click.echo(error, err=True)
            click.echo("\n".join(lines))
            sys.exit(1 if errors and not accepted else 0)
        with _progress(file) as advance:
            rows = read_rows(file, progress=advance, encoding=encoding)
            report = import_products(session=session, site=target, rows=rows, mapping=column_mapping)
        for problem in report.errors:
            click.echo(f"{file}: {problem}", err=True)
    click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
               f"{len(report.errors)} rows skipped")
    sys.exit(1 if report.errors and not report.accepted else 0)


@contextmanager
def _progress(file: Path) -> Iterator[Callable[[int], None] | None]:
    """A progress bar of the bytes of `file` read, on a terminal's stderr; nothing (None) elsewhere."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=file.stat().st_size, label=f"importing {file.name}", file=sys.stderr,
                           show_pos=False, show_percent=True, show_eta=True) as bar:
        yield bar.update


@main.group()
def flows() -> None:
    """Flow files."""


flows.add_command(flows_diff)  # `assistant flows diff`, in its own module
flows.add_command(flow_experiment)  # `assistant flows experiment results`, in its own module


@flows.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--site", "site_key", default=None,
              help="Check against this site's catalog (default: the only site); flows for other sites are not.")
@click.option("--no-catalog", is_flag=True, help="Check the files alone.")
def flows_check(files: tuple[Path, ...], site_key: str | None, no_catalog: bool) -> None:
    """Validate flow files (default: every file in the flows folder); exit 1 on errors."""
    from assistant.config import Settings
    from assistant.flows.catalog_checks import check_against_catalog
    from assistant.flows.experiment_checks import experiment_problems
    from assistant.flows.problems import errors
    from assistant.flows.registry import read_flow
    from assistant.i18n_cli import untranslated

    settings = Settings.from_env()
    paths = list(files) or sorted(settings.flows_dir.glob("*.y*ml"))
    target = None if no_catalog else _catalog_index(site_key)
    failed = False
    across = experiment_problems(paths, settings.flows_dir)  # an experiment's variants are other files
    for path in paths:
        loaded, problems = read_flow(path)
        flow = loaded.checkable  # every question that parsed, errors or not
        if flow is not None and target is not None and not flow.offered_to(target[0]):
            click.echo(f"{path}: for {', '.join(flow.sites)}, not {target[0]}: catalog checks skipped", err=True)
        elif flow is not None and target is not None:
            problems = sorted(problems + check_against_catalog(flow, loaded.locator, target[1], str(path)))
        problems = sorted(problems + across.get(str(path), []))
        if flow is not None:
            problems = sorted(problems + untranslated(path))
        for problem in problems:
            click.echo(problem.format())
        failed = failed or bool(errors(problems))
    counts = f"{len(paths)} flow file(s) checked"
    click.echo(f"{counts}: errors found" if failed else f"{counts}: no errors", err=True)
    sys.exit(1 if failed else 0)


def _catalog_index(site_key: str | None) -> tuple[str, CatalogIndex] | None:
    """The key and catalog index of the site to check against, read from the database row by row."""
    from sqlmodel import select

    from assistant.catalog.index import build_index
    from assistant.sites.models import Site
    from assistant.sites.service import get_site_by_key

    with _session() as session:
        sites = list(session.exec(select(Site)))
        if site_key:
            chosen = get_site_by_key(session=session, key=site_key)
        elif len(sites) == 1:
            chosen = sites[0]
        else:
            click.echo("no single site to check against: pass --site KEY (catalog checks skipped)", err=True)
            return None
        with session.connection().engine.connect() as connection:  # its own: build_index streams on it
            return chosen.key, build_index(connection, chosen.pk)


@main.command()
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
    with _session() as session, job_lease(session=session, name="train", seconds=TRAIN_LEASE_SECONDS,
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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn (migrate first with `assistant db upgrade`)."""
    from assistant import server
    from assistant.app import create_app

    _engine().dispose()  # refuses a database whose schema is not this version's
    server.run(create_app, host=host, port=port, workers=workers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def demo(host: str, port: int) -> None:
    """Build the demo shop (Trailhead Outfitters) into the database, train its models and serve it."""
    from assistant import migrate, server
    from assistant.analytics.aggregates import compute_earnings
    from assistant.analytics.path_outcomes import site_judge
    from assistant.app import create_app
    from assistant.catalog.service import list_products
    from assistant.config import Settings
    from assistant.db import make_engine, session_scope
    from assistant.demo.build import build_demo
    from assistant.demo.campaigns import seed_campaigns
    from assistant.demo.customers import seed_customers
    from assistant.demo.earnings_history import DAYS as EARNINGS_DAYS
    from assistant.demo.earnings_history import seed_demo_earnings
    from assistant.demo.history import seed_history
    from assistant.insight.nightly import churn_scorer, compute_site_figures
    from assistant.recommend.training import train_site
    from assistant.timeutil import utcnow

    settings = dataclasses.replace(Settings.from_env(), demo_shop=True)  # the command's purpose, whatever the env says
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        site = build_demo(session=session, origins=_demo_origins(host, port))
        products = len(list_products(session=session, site=site))
        events = seed_history(session=session, site=site, now=utcnow())
        seed_campaigns(session=session, site=site)
        history = seed_customers(session=session, site=site, now=utcnow())
    with session_scope(engine) as session:  # after the catalog's commit: the quizzes rank over its index
        earnings_events = seed_demo_earnings(session=session, site=site, now=utcnow(), flows_dir=settings.flows_dir)
    with session_scope(engine) as session:
        report = train_site(session=session, site=site, root=settings.models_dir, now=utcnow())
        figures = compute_site_figures(session=session, site=site, now=utcnow(), churn_scores=churn_scorer())
        judge = site_judge(session=session, site=site, flows_dir=settings.flows_dir)
        earnings = compute_earnings(session=session, site=site, now=utcnow(), days=EARNINGS_DAYS + 1, judge=judge)
    engine.dispose()
    click.echo(f"demo shop ready: {products} products, {events or 'existing'} events, models trained in "
               f"{report.seconds:.1f} s, site key {site.key} ({_safe_url(settings.database_url)})")
    click.echo(f"customers: {figures.customers} with figures ({history.stored or 'existing'} orders of history "
               f"imported), {len(figures.segments)} segments: "
               + ", ".join(f"{name} {n}" for name, n in sorted(figures.segments.items(), key=lambda s: -s[1])))
    click.echo(f"earnings: {earnings_events or 'existing'} events of {EARNINGS_DAYS} days with a control group; "
               + earnings.line())
    click.echo(f"open http://{_display_host(host)}:{port}/demo/ (Ctrl+C to stop)")
    click.echo(f"admin: http://{_display_host(host)}:{port}/admin/ (make an account first: "
               f"{command_name()} admin create-user --email you@example.com --site {site.key})")
    server.run(lambda: create_app(settings), host=host, port=port, workers=2)


def _demo_origins(host: str, port: int) -> list[str]:
    """Origins the demo widget may call the API from: the address served and localhost."""
    return list(dict.fromkeys([f"http://{_display_host(host)}:{port}", f"http://localhost:{port}",
                               f"http://127.0.0.1:{port}"]))


def _display_host(host: str) -> str:
    """The host to put in a URL: a wildcard bind address is reached through localhost."""
    if host in {"0.0.0.0", "::", ""}:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _engine() -> Engine:
    """The engine of DATABASE_URL, once its schema is known to be this version's (else SchemaNotCurrent)."""
    from assistant.config import Settings
    from assistant.db import make_engine
    from assistant.migrate import require_current

    engine = make_engine(Settings.from_env().database_url)
    try:
        require_current(engine, command=command_name())
    except AssistantError:
        engine.dispose()
        raise
    return engine


@contextmanager
def _session() -> Iterator[Session]:
    """A session on `_engine()`, committed at the end of the block."""
    from assistant.db import session_scope

    engine = _engine()
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def command_name(argv0: str | None = None, python: str | None = None) -> str:
    """How the user ran this command, to tell them the next one: `assistant` when that name on PATH is
    this very script, else the path they typed (`.venv/bin/assistant`), or `python -m assistant`."""
    import shutil

    script = Path(sys.argv[0] if argv0 is None else argv0)
    if script.name == "__main__.py":
        return f"{_shown(Path(python or sys.executable))} -m assistant"
    on_path = shutil.which(script.name)
    if on_path and script.exists() and Path(on_path).resolve() == script.resolve():
        return script.name
    return _shown(script)


def _shown(path: Path) -> str:
    """`path` as short as it can be typed from here: relative when it is under the working folder."""
    if path.is_absolute() and path.is_relative_to(Path.cwd()):
        path = path.relative_to(Path.cwd())
    return str(path) if len(path.parts) > 1 or path.is_absolute() else f"./{path}"


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run() -> None:
    """Entry point that turns domain errors into a one-line message and exit code 2."""
    try:
        main(standalone_mode=True)
    except AssistantError as exc:
        click.echo(f"error: {exc.field + ': ' if exc.field else ''}{exc.message}", err=True)
        sys.exit(2)
