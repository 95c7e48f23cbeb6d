"""gunicorn settings for production: `gunicorn -c python:assistant.gunicorn_conf "assistant.app:create_app()"`.

The app is built once in the master and warmed (catalog indexes, model bundles: assistant.warmup)
before any worker is forked, so every worker answers its first request at once and the workers
share the warmed memory. Other settings (-w, --bind, ...) come from the command line as usual.

Metrics: gunicorn imports this module before the app, so it can give prometheus_client (which reads
PROMETHEUS_MULTIPROC_DIR once, at its import) a fresh folder for the workers' counter files: a new
temporary folder, removed when the server stops, or the operator's own PROMETHEUS_MULTIPROC_DIR,
emptied first (one folder per server). Logs: the access log is on (stdout) and carries each request's
X-Request-Id; with ASSISTANT_LOG_FORMAT=json its lines and gunicorn's own are JSON objects (assistant.logs).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from typing import Any

from assistant.access_log import TEXT_FORMAT, AccessLogger
from assistant.config import ConfigError, Settings
from assistant.logs import JsonFormatter

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's name, read by it from the environment


def _metrics_folder() -> str | None:
    """A fresh PROMETHEUS_MULTIPROC_DIR for this server; the temporary folder made here (None: the operator's)."""
    if "prometheus_client" in sys.modules:  # too late to choose: it is in single-process mode for good
        return None
    given = os.environ.get(MULTIPROC_VARIABLE)
    if given:
        for stale in (entry for entry in os.scandir(given) if entry.name.endswith(".db")):
            os.unlink(stale.path)  # the counters of an earlier run of this server
        return None
    made = tempfile.mkdtemp(prefix="assistant-metrics-")
    os.environ[MULTIPROC_VARIABLE] = made
    return made


def _log_format() -> str:
    try:
        return Settings.from_env().log_format
    except ConfigError:  # the app refuses the same setting with its message when it is loaded
        return "text"


MADE_FOLDER = _metrics_folder()
LOG_FORMAT = _log_format()

preload_app = True
accesslog = "-"
access_log_format = TEXT_FORMAT
logger_class: type[AccessLogger] = AccessLogger  # gunicorn's line without its dictionary of every header


class JsonLinesLogger(AccessLogger):
    """gunicorn's logger writing JSON lines: its own messages and one access line a request, with the request id."""

    def setup(self, cfg: Any) -> None:
        """gunicorn's handlers, given the JSON formatter (the access log's only without an --access-logformat)."""
        super().setup(cfg)
        self.json_access = cfg.access_log_format == access_log_format
        for handler in (*self.error_log.handlers, *(self.access_log.handlers if self.json_access else ())):
            handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """One JSON access line: the request id the app answered with, method, path, status, duration, size."""
        if not self.json_access:  # the operator's own --access-logformat, as written
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        request_id = next((value for name, value in resp.headers if name.lower() == "x-request-id"), None)
        fields = {"request_id": request_id, "method": environ.get("REQUEST_METHOD"),
                  "path": environ.get("PATH_INFO"), "status": int(status),
                  "duration_ms": round(request_time.total_seconds() * 1000, 3), "bytes": getattr(resp, "sent", None),
                  "remote_addr": environ.get("REMOTE_ADDR"), "user_agent": environ.get("HTTP_USER_AGENT"),
                  "pid": os.getpid()}
        self.access_log.log(logging.INFO, "%s %s %s", fields["method"], fields["path"], status,
                            extra={"fields": fields})


if LOG_FORMAT == "json":
    logger_class = JsonLinesLogger
    logging.getLogger("assistant").setLevel(logging.INFO)  # the app's own lines (warm-up, bundle loads) from INFO


def when_ready(server: Any) -> None:
    """Before the first worker is forked: warm the preloaded app."""
    from assistant.warmup import warm

    warm(server.app.wsgi())


def post_fork(server: Any, worker: Any) -> None:
    """In each new worker: fresh database connections."""
    from assistant.warmup import after_fork

    after_fork(server.app.wsgi())


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its live gauges go (its counters stay counted: they are totals)."""
    if MULTIPROC_VARIABLE in os.environ:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """The server stops: remove the metrics folder made for it."""
    if MADE_FOLDER is not None:
        shutil.rmtree(MADE_FOLDER, ignore_errors=True)
