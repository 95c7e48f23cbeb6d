"""gunicorn settings for production: `gunicorn -c python:assistant.gunicorn_conf "assistant.app:create_app()"`.

The app is built once in the master and warmed (catalog indexes, model bundles: assistant.warmup)
before any worker is forked, so every worker answers its first request at once and the workers
share the warmed memory. Other settings (-w, --bind, ...) come from the command line as usual.
"""

from __future__ import annotations

from typing import Any

from assistant.warmup import after_fork, warm

preload_app = True


def when_ready(server: Any) -> None:
    """Before the first worker is forked: warm the preloaded app."""
    warm(server.app.wsgi())


def post_fork(server: Any, worker: Any) -> None:
    """In each new worker: fresh database connections."""
    after_fork(server.app.wsgi())
