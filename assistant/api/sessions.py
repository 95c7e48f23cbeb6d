"""Cookie sessions for the admin and demo pages only: the widget's API is called with no cookie of ours."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class PageSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, skipped (a read-only null session) for /api/ requests."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The null session under /api/, else the cookie's session."""
        if request.path.startswith("/api/"):
            return self.make_null_session(app)  # saves unsigning a cookie on every event batch
        return super().open_session(app, request)
