"""Serve the app with gunicorn from inside the `assistant` command (demo and serve)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from assistant import gunicorn_conf


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.factory()


def run(factory: Callable[[], Flask], *, host: str, port: int, workers: int, threads: int = 4) -> None:
    """Serve the app `factory` makes with gunicorn until interrupted: built and warmed once, as in production
    (assistant.gunicorn_conf), then forked into the workers."""
    options = {"bind": f"{host}:{port}", "workers": workers, "threads": threads, "accesslog": None,
               "errorlog": "-", "loglevel": "warning", "graceful_timeout": 5, "preload_app": gunicorn_conf.preload_app,
               "when_ready": gunicorn_conf.when_ready, "post_fork": gunicorn_conf.post_fork,
               "child_exit": gunicorn_conf.child_exit, "on_exit": gunicorn_conf.on_exit}  # metrics' folder
    if gunicorn_conf.LOG_FORMAT == "json":
        options["logger_class"] = gunicorn_conf.JsonLinesLogger
    _Gunicorn(factory, options).run()
