"""/healthz and /readyz: what a load balancer and an orchestrator ask before sending traffic.

/healthz answers 200 while the process serves requests, and asks nothing else: a liveness probe that
failed on a database outage would have every node restarted at once for a fault no restart fixes.
/readyz answers 200 only when a request can be served well: the database answers, its schema is the
one this version's migrations build, and every recommendation bundle a site has trained is loaded.
Otherwise 503 with `Retry-After` and, per check, what is wrong, so an operator reads the cause.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from assistant.db import get_engine
from assistant.migrate import database_revisions, revision_files

health = Blueprint("health", __name__)
RETRY_SECONDS = 5


@health.get("/healthz")
def healthz() -> Response:
    """The process is up (nothing else is asked)."""
    return jsonify({"status": "ok"})


@health.get("/readyz")
def readyz() -> tuple[Response, int] | Response:
    """200 when the database answers with the current schema and every trained bundle is loaded; else 503."""
    checks: dict[str, Any] = {}
    try:
        with get_engine().connect() as connection:
            keys = [row[0] for row in connection.execute(text("SELECT key FROM site ORDER BY id"))]
        checks["database"] = "ok"
        checks["schema"] = _schema()
        checks["bundles"] = _bundles(current_app, keys)
        served = _served(current_app, keys)
    except SQLAlchemyError as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    ready = all(value == "ok" for value in checks.values()) and len(checks) == 3
    answer = jsonify({"ready": ready, "checks": checks, **(served if "bundles" in checks else {})})
    if ready:
        return answer
    answer.headers["Retry-After"] = str(RETRY_SECONDS)
    return answer, 503


@cache
def _needed() -> frozenset[str]:
    """The head revisions of this version's migration files (read once per process)."""
    return frozenset(revision_files()[1])


def _schema() -> str:
    """ok at this version's heads, and at revisions this version does not know: a newer version migrated
    the database first, as an upgrade does (docs/deploy.md: migrations are additive within a release), and
    this node still serves it well until it is rolled. A revision it knows but is not its head is behind."""
    current = database_revisions(get_engine())
    if current == _needed() or (current and not current & _known()):
        return "ok"
    at = ", ".join(sorted(current)) or "none"
    return f"the database is at revision {at}, this version needs {', '.join(sorted(_needed()))}: run `db upgrade`"


@cache
def _known() -> frozenset[str]:
    return frozenset(revision_files()[0])


def _bundles(app: Flask, keys: list[str]) -> str:
    """ok when every site with a trained bundle (a CURRENT pointer) has a bundle loaded in this process.

    A newer bundle than the one loaded is no reason to leave the load balancer: the loaded one serves
    until the next recommendation request swaps it in. A trained site with nothing loaded yet (trained for
    the first time since this process warmed up) is loaded here, as the warm-up would have: otherwise a
    site without recommendation traffic would keep every node unready. A current bundle that cannot be
    loaded is no reason either: every node reads the same one; the node serves what it kept (`_served`).
    """
    store = app.extensions["assistant"]["models"]
    for key in keys:
        if store.trained(key) and store.version(key) is None:
            store.bundle(key)
    missing = [key for key in keys if store.trained(key) and store.version(key) is None and not store.problem(key)]
    return "ok" if not missing else f"not loaded yet for {', '.join(missing[:10])}"


def _served(app: Flask, keys: list[str]) -> dict[str, Any]:
    """The bundle version each site is served from here, and why a current bundle was refused (first 100 sites)."""
    store = app.extensions["assistant"]["models"]
    problems = {key: f"current bundle not loaded ({reason}); serving the one kept"
                for key in keys[:100] if (reason := store.problem(key))}
    return {"bundles": {key: store.version(key) for key in keys[:100]}, **({"bundle_problems": problems}
                                                                         if problems else {})}


def init_app(app: Flask) -> None:
    """Serve /healthz and /readyz."""
    app.register_blueprint(health)
