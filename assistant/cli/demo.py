"""`assistant demo`: build the demo shop, its history and models into the database, then serve it."""

from __future__ import annotations

import dataclasses

import click

from assistant.cli.display import command_name, safe_url


@click.command()
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
               f"{report.seconds:.1f} s, site key {site.key} ({safe_url(settings.database_url)})")
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
