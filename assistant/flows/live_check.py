"""The catalog check that decides what the server serves: the same `check_against_catalog` as `flows check`.

A flow (re)loaded from its file is checked against the catalog of every site it is offered to (its
`sites:`, or every site when it names none), each site's live index. One catalog error against any of
them and the file is not served: the registry keeps its last good version (or serves none) and logs
why. The registry is one per process, so each worker decides alone, from the same files and
database, the same way. Sites with an empty catalog are not checked (nothing to check against).
The first scan, in create_app, builds the index of every site a flow is offered to, as `warm` would:
a worker starts a little later (seconds at 100,000 products) and takes its first requests with them.

The check runs when a file changes, not when a catalog does: a live flow that a later import makes
wrong stays live (taking it away would leave shoppers with nothing), and the admin's flows page,
which checks every file against the chosen site's catalog on each view, shows the problem.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from assistant import db
from assistant.catalog.indexes import get_indexes
from assistant.flows.catalog_checks import check_against_catalog
from assistant.flows.loader import Locator
from assistant.flows.problems import Problem
from assistant.flows.schema import Flow
from assistant.sites.models import Site

log = logging.getLogger(__name__)
CatalogCheck = Callable[[Flow, Locator, str], list[Problem]]


def catalog_check(app: Flask) -> CatalogCheck:
    """The catalog errors of a flow against the live catalog of every site of `app` that offers it."""
    def check(flow: Flow, locator: Locator, path: str) -> list[Problem]:
        try:
            with db.get_engine(app).connect() as connection:
                sites = connection.execute(select(Site.id, Site.key)).all()  # type: ignore[call-overload]
            found: list[Problem] = []
            for site_id, key in sites:
                if not flow.offered_to(key):
                    continue
                index = get_indexes(app).get(site_id)
                found += [Problem(p.line, p.column, f"{p.message} (catalog of site {key})", p.hint, p.level, p.path)
                          for p in check_against_catalog(flow, locator, index, path)
                          if p.level == "error" and index.size]
            return found
        except SQLAlchemyError as exc:  # no database, or not migrated yet: nothing to check against
            log.warning("%s: flow '%s' not checked against the catalog: %s", path, flow.id, exc)
            return []

    return check
