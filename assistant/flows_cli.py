"""`assistant flows diff LIVE DRAFT [--replay 30d] [--site KEY]`: what a draft changes, before anyone publishes it.

Without --replay: the structural differences (questions, answers, filters, boosts, settings). With it:
the recorded quiz sessions of the last N days replayed against both over the site's catalog index
(flows/replay.py). Registered on the `flows` group by cli/flows.py; imports only click until the command runs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlmodel import Session

    from assistant.flows.replay import ReplayReport
    from assistant.flows.schema import Flow
    from assistant.sites.models import Site

DAYS = re.compile(r"(\d{1,4})d?")


def parse_days(text: str) -> int:
    """'30d' (or '30') as a number of days, 1 to 3660."""
    found = DAYS.fullmatch(text.strip())
    if not found or not 1 <= int(found.group(1)) <= 3660:
        raise click.BadParameter(f"'{text}' is not a number of days such as 30d (1 to 3660)", param_hint="--replay")
    return int(found.group(1))


@click.command("diff")
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
    from assistant.cli.connect import open_session
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
