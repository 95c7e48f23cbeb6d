"""Prometheus metrics: request latency per endpoint, answers per status class, events stored and rejected,
and at scrape time the age of each site's loaded bundle and the outbox's depth; served at /metrics.

Under gunicorn the workers write their counters to files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's
multiprocess mode, which assistant.gunicorn_conf sets up before the app is imported) and a scrape adds up
every worker's, dead ones included, so a worker's restart loses no count. Without that folder (flask run,
tests) the counters live in the process. Labels are bounded: the Flask endpoint name (never the raw
path), a method from a fixed list, the status class, a site key for bundle ages; no per-event label.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from assistant.db import get_engine
from assistant.timeutil import as_utc

log = logging.getLogger(__name__)
metrics = Blueprint("metrics", __name__)

MULTIPROCESS = values.ValueClass is not values.MutexValue
"""Whether prometheus_client chose files (PROMETHEUS_MULTIPROC_DIR was set when it was imported): its own choice."""
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"})
STARTED = "assistant.started"
"""The WSGI environ key of the request's start (time.perf_counter())."""
OUTBOX_STATES = ("pending", "sending", "dead")
"""The outbox's messages still to deliver (pending, sending) and given up (dead); sent and cancelled are done."""

REQUEST_SECONDS = Histogram("assistant_request_seconds", "Time from the app's WSGI call to its last after-request "
                            "hook, per Flask endpoint", ["endpoint", "method"], buckets=LATENCY_BUCKETS)
RESPONSES = Counter("assistant_responses", "Answers per Flask endpoint and status class (2xx, 4xx, ...)",
                    ["endpoint", "method", "status"])
EVENTS_STORED = Counter("assistant_events_stored", "Events stored by POST /api/v1/events (new, not retries)")
EVENTS_DUPLICATE = Counter("assistant_events_duplicate", "Events sent again that were already stored (retries)")
EVENTS_REJECTED = Counter("assistant_events_rejected", "Events refused by POST /api/v1/events (a field was bad)")


@dataclass(frozen=True)
class _Children:
    """The histogram and counters of one endpoint and method, looked up once (labels() costs a lock and a dict)."""

    endpoint: str
    method: str
    latency: Any
    statuses: dict[int, Any]
    """Per status class (2 for 2xx), made when first answered: no series for classes an endpoint never gave."""

    def status(self, code: int) -> Any:
        """The counter of `code`'s class."""
        kind = min(code // 100, 5)
        found = self.statuses.get(kind)
        if found is None:
            found = self.statuses[kind] = RESPONSES.labels(self.endpoint, self.method, f"{kind}xx")
        return found


_CHILDREN: dict[tuple[str, str], _Children] = {}


def count_events(*, stored: int, duplicates: int, rejected: int) -> None:
    """Count one ingested batch (three additions per batch, none per event)."""
    if stored:
        EVENTS_STORED.inc(stored)
    if duplicates:
        EVENTS_DUPLICATE.inc(duplicates)
    if rejected:
        EVENTS_REJECTED.inc(rejected)


def _timed(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """Note when the request reached the app, in its WSGI environ (no context lookup needed)."""
    def timed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ[STARTED] = time.perf_counter()
        return wsgi_app(environ, start_response)
    return timed


def _observe(response: Response) -> Response:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one context lookup
    started = req.environ.get(STARTED)
    if started is None:
        return response
    method = req.method
    key = (req.endpoint or "unmatched", method if method in METHODS else "other")  # bounded: a method from a list
    children = _CHILDREN.get(key) or _children(*key)
    children.latency.observe(time.perf_counter() - started)
    children.status(response.status_code).inc()
    return response


def _children(endpoint: str, method: str) -> _Children:
    found = _CHILDREN[(endpoint, method)] = _Children(endpoint, method, REQUEST_SECONDS.labels(endpoint, method), {})
    return found


@metrics.get("/metrics")
def scrape() -> Response:
    """The metrics in Prometheus's text format, to a holder of the token or to loopback."""
    refused = _refusal()
    if refused is not None:
        return refused
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ScrapeTime(current_app._get_current_object()))  # type: ignore[attr-defined]
    if MULTIPROCESS:
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY) + generate_latest(registry)
    return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8")


def _refusal() -> Response | None:
    token = current_app.extensions["assistant"]["settings"].metrics_token
    if token:
        given = request.headers.get("Authorization", "").encode()
        if hmac.compare_digest(given, f"Bearer {token}".encode()):
            return None
        return Response("a bearer token is needed (ASSISTANT_METRICS_TOKEN)\n", 401, {"WWW-Authenticate": "Bearer"},
                        mimetype="text/plain")
    if _direct_from_loopback(request.environ):
        return None
    return Response("/metrics answers loopback only unless ASSISTANT_METRICS_TOKEN is set\n", 403,
                    mimetype="text/plain")


def _direct_from_loopback(environ: dict[str, Any]) -> bool:
    """Whether the socket's peer is loopback and no proxy forwarded the request (nginx on the same machine is
    loopback too: its X-Forwarded-For tells it apart, whatever ASSISTANT_TRUSTED_PROXIES says)."""
    if "HTTP_X_FORWARDED_FOR" in environ or "HTTP_FORWARDED" in environ:
        return False
    peer = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR") or environ.get("REMOTE_ADDR") or ""
    try:
        return ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return False


class _ScrapeTime(Collector):
    """What is read when Prometheus asks, from the process that answers: bundle ages and the outbox's depth."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with get_engine(self.app).connect() as connection:
                keys = [row[0] for row in connection.execute(text("SELECT key FROM site ORDER BY id LIMIT 10000"))]
                depth: dict[str, int] = dict(connection.execute(text(  # an index range count
                    "SELECT status, COUNT(*) FROM basket_message WHERE status IN ('pending', 'sending', 'dead')"
                    " GROUP BY status")).all())
        except SQLAlchemyError as exc:  # the request metrics still count; the gauges wait for the database
            log.warning("metrics: database not read: %s: %s", type(exc).__name__, str(exc).splitlines()[0][:200])
            return
        ages = GaugeMetricFamily("assistant_bundle_age_seconds", "Seconds since the recommendation bundle this "
                                 "process serves was trained, per site", labels=["site"])
        store, now = self.app.extensions["assistant"]["models"], time.time()
        for key in keys:
            trained = _trained_at(store.root, key, store.version(key))
            if trained is not None:
                ages.add_metric([key], max(0.0, now - trained))
        outbox = GaugeMetricFamily("assistant_outbox_messages", "Reminder messages waiting in the outbox (pending, "
                                   "sending) or given up (dead)", labels=["status"])
        for state in OUTBOX_STATES:
            outbox.add_metric([state], float(depth.get(state, 0)))
        yield ages
        yield outbox


_TRAINED: dict[tuple[str, str], float | None] = {}


def _trained_at(root: Path, key: str, version: str | None) -> float | None:
    """When a bundle was trained (its manifest's trained_at, as a Unix time), read once per version."""
    if version is None:
        return None
    if (key, version) not in _TRAINED:
        try:
            manifest = json.loads((root / key / version / "manifest.json").read_text())
            _TRAINED[(key, version)] = as_utc(datetime.fromisoformat(manifest["trained_at"])).timestamp()
        except (OSError, ValueError, KeyError, TypeError):
            _TRAINED[(key, version)] = None
    return _TRAINED[(key, version)]


def init_app(app: Flask) -> None:
    """Time every request (from the WSGI call to the last after-request hook) and serve /metrics."""
    app.wsgi_app = _timed(app.wsgi_app)  # type: ignore[method-assign]
    app.after_request_funcs.setdefault(None, []).insert(0, _observe)  # after-request hooks run last-added first
    app.register_blueprint(metrics)
