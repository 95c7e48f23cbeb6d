"""Login, logout and the login_required decorator with roles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp
from assistant.api.limits import rate_limiter
from assistant.db import get_session
from assistant.users.models import User
from assistant.users.service import authenticate, end_sessions


@bp.before_request
def _load_user() -> None:
    user_id = session.get("user_id")
    user = get_session().get(User, user_id) if isinstance(user_id, int) else None
    current = user is not None and user.active and session.get("generation") == user.session_generation
    g.user = user if current else None


def login_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a logged-in user with one of `roles` (any role when none are given)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(**kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("admin.login", next=request.full_path))
            if roles and not g.user.may(*roles):
                abort(403)
            return view(**kwargs)

        return wrapped

    return decorate


LOGIN_LIMIT = "10/minute"
"""Login attempts one client address may make at one account: guessing one password stops there, and
locks out neither the account's owner at another address nor other accounts."""
LOGIN_LIMIT_ADDRESS = "30/minute"
"""Login attempts one client address may make at all accounts together (spraying one password)."""


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | BaseResponse:
    """Show the login form; log in on POST."""
    if request.method == "POST":
        address, account = request.remote_addr or "", request.form.get("email", "").strip().lower()[:254]
        rate_limiter().hit(LOGIN_LIMIT_ADDRESS, "login-address", address)
        rate_limiter().hit(LOGIN_LIMIT, "login-account", account, address)
        user = authenticate(session=get_session(), email=request.form.get("email", ""),
                            password=request.form.get("password", ""))
        if user is not None:
            get_session().commit()
            session.clear()
            session["user_id"] = user.id
            session["generation"] = user.session_generation
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        flash("That email and password do not match an active account.", "error")
    return render_template("admin/login.html")


@bp.post("/logout")
def logout() -> Response | BaseResponse:
    """Log out, ending every session of this user (a cookie copied before is refused), and go to the login page."""
    if g.user is not None:
        end_sessions(g.user)
        get_session().commit()
    session.clear()
    return redirect(url_for("admin.login"))


def _safe_next(target: str | None) -> str:
    """Only redirect within the admin after login (no open redirect)."""
    if target and target.startswith("/admin") and not urlsplit(target).netloc:
        return target
    return url_for("admin.dashboard")
