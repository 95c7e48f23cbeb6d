"""`assistant flows check | diff | experiment`: flow files, checked alone and against a site's catalog."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.cli.connect import open_session
from assistant.flow_experiments_cli import experiment as flow_experiment
from assistant.flows_cli import flows_diff

if TYPE_CHECKING:
    from assistant.catalog.index import CatalogIndex


@click.group()
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
