"""The `assistant` command: demo, serve, db upgrade, site, catalog import, flows check, surveys check, customer
export | delete, baskets run.

One module per command group; this one only puts them together. Each command imports what it needs
inside its function: `assistant --help` loads click and nothing of the stack (tests/test_cli_startup.py
keeps it so). Only `db upgrade` and `demo` migrate; every other command refuses a database whose schema
is not this version's (`migrate.require_current`, through cli/connect.py).
"""

from __future__ import annotations

import sys

import click

from assistant.cli.admin import admin
from assistant.cli.baskets import baskets
from assistant.cli.campaigns import campaigns
from assistant.cli.catalog import catalog
from assistant.cli.customer import customer
from assistant.cli.db import db
from assistant.cli.demo import demo
from assistant.cli.display import command_name
from assistant.cli.flows import flows
from assistant.cli.history import history
from assistant.cli.i18n import i18n
from assistant.cli.orders import orders
from assistant.cli.serve import serve
from assistant.cli.site import site
from assistant.cli.surveys import surveys
from assistant.cli.train import train
from assistant.errors import AssistantError

__all__ = ["command_name", "main", "run"]


@click.group()
def main() -> None:
    """On-site guided-selling assistant."""


for command in (surveys, baskets, i18n, campaigns, db, site, admin, orders, customer, history, catalog, flows, train,
                serve, demo):
    main.add_command(command)


def run() -> None:
    """Entry point that turns domain errors into a one-line message and exit code 2."""
    try:
        main(standalone_mode=True)
    except AssistantError as exc:
        click.echo(f"error: {exc.field + ': ' if exc.field else ''}{exc.message}", err=True)
        sys.exit(2)
