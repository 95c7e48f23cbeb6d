"""PostgreSQL connections that give up after a deadline measured in fractions of a second.

libpq's `connect_timeout` counts whole seconds and raises anything below 2 to 2, and psycopg copies that rule
(psycopg.conninfo.timeout_from_conninfo), per address tried. A database that does not answer (a host that drops
packets, a server that accepts and never replies) would hold a web worker's thread for 2 s or more per request.
Here psycopg's own non-blocking connection generator is driven with a selector until one deadline for all
addresses, so the wait is what ASSISTANT_DB_CONNECT_TIMEOUT says (tests/ops/test_faults_postgres.py measures it).
A refused connection (the server stopped) fails at once as before.

`tcp_user_timeout` bounds the other hang: a pooled connection whose host stops acknowledging what is sent to it
would otherwise wait for the kernel's retransmissions (about 15 minutes) before the query fails.
"""

from __future__ import annotations

import math
import selectors
import time
from typing import Any

import psycopg
from psycopg import errors, generators
from psycopg.abc import AdaptContext
from psycopg.adapt import AdaptersMap
from psycopg.conninfo import conninfo_attempts, conninfo_to_dict, make_conninfo
from psycopg.pq.abc import PGconn
from sqlalchemy import event
from sqlalchemy.engine import Engine

PYTHON_OPTIONS = ("autocommit", "prepare_threshold", "context", "row_factory", "cursor_factory")
"""psycopg.connect()'s keyword arguments that are not libpq parameters."""


def bound_connections(engine: Engine, seconds: float) -> None:
    """Make every new connection of `engine` (psycopg 3) give up after `seconds`, however many addresses it tries."""
    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> psycopg.Connection[Any]:
        return connect_within(seconds, *cargs, **cparams)


def connect_within(seconds: float, conninfo: str = "", **kwargs: Any) -> psycopg.Connection[Any]:
    """psycopg.connect(conninfo, **kwargs), raising psycopg.errors.ConnectionTimeout when `seconds` pass first."""
    options = {name: kwargs.pop(name) for name in PYTHON_OPTIONS if name in kwargs}
    params = conninfo_to_dict(conninfo, **kwargs)
    params.setdefault("tcp_user_timeout", max(1, math.ceil(seconds * 1000)))  # milliseconds
    deadline = time.monotonic() + seconds
    failures: list[str] = []
    for attempt in conninfo_attempts(params):
        try:
            pgconn = _connect_by(make_conninfo("", **attempt), deadline)
        except errors.OperationalError as exc:
            failures.append(str(exc).strip())
            if time.monotonic() >= deadline:
                break
            continue
        return _connection(pgconn, **options)
    if failures and failures[-1].startswith("connection timeout"):
        raise errors.ConnectionTimeout("; ".join(failures))
    raise errors.OperationalError("; ".join(failures) or "no address to connect to")


def _connection(pgconn: PGconn, *, autocommit: bool = False, prepare_threshold: int | None = 5,
                context: AdaptContext | None = None, row_factory: Any = None,
                cursor_factory: Any = None) -> psycopg.Connection[Any]:
    """The Connection psycopg.connect() would have made of `pgconn` with these options."""
    connection: psycopg.Connection[Any] = psycopg.Connection(pgconn)
    connection.autocommit = autocommit
    if row_factory:
        connection.row_factory = row_factory
    if cursor_factory:
        connection.cursor_factory = cursor_factory
    if context:
        connection._adapters = AdaptersMap(context.adapters)  # as psycopg.Connection.connect does
    connection.prepare_threshold = prepare_threshold
    return connection


def _connect_by(conninfo: str, deadline: float) -> PGconn:
    """Run psycopg's connection generator, waiting on its socket no later than `deadline` (time.monotonic())."""
    gen = generators.connect(conninfo)
    try:
        fileno, wait = next(gen)
        with selectors.DefaultSelector() as selector:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise errors.ConnectionTimeout(f"connection timeout expired ({conninfo_host(conninfo)})")
                selector.register(fileno, wait)
                ready = selector.select(timeout=remaining)
                selector.unregister(fileno)
                fileno, wait = gen.send(ready[0][1] if ready else 0)
    except StopIteration as done:
        pgconn: PGconn = done.value
        return pgconn
    finally:
        gen.close()


def conninfo_host(conninfo: str) -> str:
    """host:port of a connection string, for the message (never its password)."""
    params = conninfo_to_dict(conninfo)
    return f"{params.get('hostaddr') or params.get('host', '')}:{params.get('port', 5432)}"
