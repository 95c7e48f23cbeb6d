"""`assistant flows check | diff | experiment`: flow files, checked alone and against a site's catalog.

`flows diff LIVE DRAFT [--replay 30d] [--site KEY]`: what a draft changes, before anyone publishes it. Without
--replay: the structural differences (questions, answers, filters, boosts, settings). With it: the recorded quiz
sessions of the last N days replayed against both over the site's catalog index (flows/replay.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.cli.connect import open_session
from assistant.cli.display import end_check, print_problems
from assistant.cli.flow_experiments import experiment as flow_experiment

if TYPE_CHECKING:
    from sqlmodel import Session

    from assistant.catalog.index import CatalogIndex
    from assistant.flows.replay import ReplayReport
    from assistant.flows.schema import Flow
    from assistant.sites.models import Site

DAYS = re.compile(r"(\d{1,4})d?")


@click.group()
def flows() -> None:
    """Flow files."""


flows.add_command(flow_experiment)  # `assistant flows experiment results`, in its own module


@flows.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--site", "site_key", default=None,
              help="Check against this site's catalog (default: the only site); flows for other sites are not.")
@click.option("--no-catalog", is_flag=True, help="Check the files alone.")
def flows_check(files: tuple[Path, ...], site_key: str | None, no_catalog: bool) -> None:
    """Validate flow files (default: every file in the flows folder); exit 1 on errors."""
    from assistant.cli.i18n import untranslated
    from assistant.config import Settings
    from assistant.flows.catalog_checks import check_against_catalog
    from assistant.flows.experiment_checks import experiment_problems
    from assistant.flows.registry import read_flow

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
        failed = print_problems(problems) or failed
    end_check(len(paths), "flow", failed)


def _catalog_index(site_key: str | None) -> tuple[str, CatalogIndex] | None:
    """The key and catalog index of the site to check against, read from the database row by row."""
    from sqlmodel import select

    from assistant.catalog.index import build_index
    from assistant.sites.models import Site
    from assistant.sites.service import get_site_by_key

    with open_session() as session:
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


def parse_days(text: str) -> int:
    """'30d' (or '30') as a number of days, 1 to 3660."""
    found = DAYS.fullmatch(text.strip())
    if not found or not 1 <= int(found.group(1)) <= 3660:
        raise click.BadParameter(f"'{text}' is not a number of days such as 30d (1 to 3660)", param_hint="--replay")
    return int(found.group(1))


@flows.command("diff")
@click.argument("live", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("draft", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--replay", "replay_days", default=None, metavar="30d",
              help="Replay the recorded quiz sessions of the last N days against both.")
@click.option("--site", "site_key", default=None, help="The site whose sessions and catalog to replay (default: the "
              "only site offered the flow).")
def flows_diff(live: Path, draft: Path, replay_days: str | None, site_key: str | None) -> None:
    """Compare a live flow file with a draft; with --replay, what the draft changes for recorded shoppers."""
    days = parse_days(replay_days) if replay_days is not None else None
    before, after = _load(live), _load(draft)
    if before.id != after.id:
        click.echo(f"note: the draft's id '{after.id}' is not the live flow's '{before.id}'", err=True)
    from assistant.flows.diff import diff_flows

    changes = diff_flows(before, after)
    click.echo(f"{len(changes)} change(s) from {live} to {draft}")
    for change in changes:
        click.echo(f"  {change.format()}")
    if days is not None:
        click.echo("")
        click.echo(report_text(_replay(before, after, days, site_key)))


def _load(path: Path) -> Flow:
    """The flow of `path`, or every problem printed and exit 1."""
    from assistant.flows.problems import errors
    from assistant.flows.registry import read_flow

    loaded, problems = read_flow(path)
    for problem in problems:
        click.echo(problem.format(), err=True)
    if loaded.flow is None or errors(problems):
        click.echo(f"{path}: errors found: fix them first", err=True)
        sys.exit(1)
    return loaded.flow


def _replay(live: Flow, draft: Flow, days: int, site_key: str | None) -> ReplayReport:
    from assistant.catalog.index import build_index
    from assistant.config import Settings
    from assistant.flows.replay import recorded_answers, replay_sessions
    from assistant.merchandising.rules import rules_for_site
    from assistant.rawsql import RawSQL

    with open_session() as session:
        site = site_offered(session, live, site_key)
        recorded = recorded_answers(RawSQL(session), site_id=site.pk, flow_id=live.id, days=days)
        with session.connection().engine.connect() as connection:  # its own: build_index streams on it
            index = build_index(connection, site.pk)
    rules = rules_for_site(Settings.from_env().merch_rules, site.key)
    click.echo(f"site {site.key}: {index.size} products, {len(recorded)} distinct answer sets", err=True)
    return replay_sessions(live, draft, recorded, index, rules=rules, days=days)


def site_offered(session: Session, flow: Flow, site_key: str | None) -> Site:
    """The site `--site` names, else the only site offered `flow` (exit 2, saying so, when there are several)."""
    from sqlmodel import select

    from assistant.sites.models import Site
    from assistant.sites.service import get_site_by_key

    if site_key:
        return get_site_by_key(session=session, key=site_key)
    offered = [s for s in session.exec(select(Site)) if flow.offered_to(s.key)]
    if len(offered) != 1:
        click.echo(f"{len(offered)} sites are offered flow '{flow.id}': pass --site KEY", err=True)
        sys.exit(2)
    return offered[0]


def report_text(report: ReplayReport) -> str:
    """The replay report as a merchandiser reads it in a terminal."""
    if not report.sessions:
        return f"Replay: no recorded session with answers in the last {report.days} days."
    pct = report.rate
    lines = [f"Replay of {report.sessions} sessions ({report.answer_sets} distinct answer sets) of the last "
             f"{report.days} days",
             f"  other products:   {report.changed} sessions ({pct(report.changed):.1%})",
             f"  same, reordered:  {report.reordered} sessions ({pct(report.reordered):.1%})",
             f"  zero results:     {pct(report.zero_before):.1%} -> {pct(report.zero_after):.1%}",
             f"  relaxed answers:  {pct(report.relaxed_before):.1%} -> {pct(report.relaxed_after):.1%}"]
    empty = report.newly_empty()
    lines.append(f"Paths that newly end empty: {len(empty)}")
    lines += [f"  {p.label}  ({p.sessions} sessions; {p.mean_before():.1f} products before)" for p in empty]
    lines.append("Busiest paths (sessions, products meeting the answers before -> after, sessions changed):")
    lines += [f"  {p.label}  {p.sessions}  {p.mean_before():.1f} -> {p.mean_after():.1f}  {p.changed}"
              for p in report.busiest_paths()]
    for title, moves in (("gaining", report.gains()), ("losing", report.losses())):
        lines.append(f"Products {title} the most exposure (sessions shown before -> after):")
        lines += [f"  {sku}  {before} -> {after} ({after - before:+d})" for sku, before, after in moves] or ["  none"]
    return "\n".join(lines)
