"""create_app(): configuration, database, flows, blueprints; nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from assistant import admin, api, db, health, logs, metrics, request_text, security_headers, wsgi_input
from assistant.api.limits import RateLimiter
from assistant.api.sessions import PageSessions
from assistant.catalog import indexes
from assistant.config import Settings
from assistant.demo.shop import shop
from assistant.flows import registry
from assistant.paths import resource_dir
from assistant.recommend.catalog_view import StockCache
from assistant.recommend.serving import ModelStore
from assistant.surveys import registry as surveys

MAX_BODY_BYTES = 512 * 1024
KNOWN_SYNC_LIMIT = 4096


class AssistantFlask(Flask):
    """Flask, remembering which views and hooks are plain functions: Flask asks `inspect` again for each of them
    on every request (8 to 9 times a request, 5 % of a small API answer's time in process)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._known_sync: set[Callable[..., Any]] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's, once per function."""
        if func in self._known_sync:
            return func
        made = super().ensure_sync(func)
        if made is func and len(self._known_sync) < KNOWN_SYNC_LIMIT:  # bounded: a closure made per call is new
            self._known_sync.add(func)
        return made


def create_app(config: Settings | None = None) -> Flask:
    """Create the assistant's Flask application."""
    config = config or Settings.from_env()
    app = AssistantFlask(__name__, static_folder=str(resource_dir("static")), static_url_path="/static",
                template_folder=str(resource_dir("templates")))
    # CSRF is checked by the admin blueprint itself (admin.csrf): the widget's API authenticates by site key and
    # Origin, the demo stands in for a merchant's own shop, and neither should pay for the check per request
    app.config.from_mapping(config.flask_mapping(), MAX_CONTENT_LENGTH=MAX_BODY_BYTES, WTF_CSRF_CHECK_DEFAULT=False)
    app.session_interface = PageSessions()
    app.extensions.setdefault("assistant", {})["settings"] = config
    db.init_app(app, config.database_url, lock_wait=config.db_lock_wait, connect_timeout=config.db_connect_timeout)
    indexes.init_app(app, db.get_engine(app), testing=config.testing)
    registry.init_app(app, config.flows_dir, reload=config.reload_flows,  # checks flows against the indexes
                      catalog_check=config.flows_catalog_check)
    surveys.init_app(app, config.surveys_dir, reload=config.reload_flows)
    app.extensions["assistant"]["models"] = ModelStore(config.models_dir, background=not config.testing)
    app.extensions["assistant"]["stock"] = StockCache()
    app.extensions["assistant"]["limiter"] = RateLimiter(config.rate_limit_storage, enabled=config.rate_limits)
    if config.trusted_proxies:  # the client's address and scheme as the proxies saw them, not the last proxy's
        hops = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    admin.csrf.init_app(app)  # csrf_token() for the admin's templates
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    if config.demo_shop:  # off in production: a shop's own pages are its site; / and /demo are not the assistant's
        app.register_blueprint(shop)
    health.init_app(app)
    security_headers.init_app(app, config)  # nosniff, no framing, referrer, permissions; HSTS over https
    metrics.init_app(app)  # request latency per endpoint, /metrics
    logs.init_app(app, config.log_format)  # X-Request-Id on every answer; JSON lines when asked
    request_text.init_app(app)
    app.wsgi_app = wsgi_input.readable_input(app.wsgi_app)  # type: ignore[method-assign]
    return app
