"""The dashboard: what the assistant did for the chosen site in the last days."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from sqlalchemy import case
from sqlmodel import col, func, select

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.context import admin_site
from assistant.catalog.models import Product
from assistant.db import get_session
from assistant.flows.models import QuizSession
from assistant.flows.registry import get_registry
from assistant.flows.site_flows import site_flows
from assistant.numbers import MAX_COUNT, whole_or_none
from assistant.timeutil import utcnow
from assistant.tracking.models import Event


@bp.get("/")
@login_required()
def dashboard() -> str:
    """Counts for the last `days` days (default 7)."""
    days = min(max(whole_or_none(request.args.get("days"), high=MAX_COUNT) or 7, 1), 365)
    site = admin_site()
    stats = _stats(site.pk, days) if site else None
    return render_template("admin/dashboard.html", site=site, days=days, stats=stats,
                           flows=site_flows(get_registry(), site.key) if site else [],
                           problems=get_registry().problems())


def _stats(site_id: int, days: int) -> dict[str, object]:
    session = get_session()
    since = utcnow() - timedelta(days=days)
    products = session.exec(select(func.count()).select_from(Product).where(Product.site_id == site_id)).one()
    in_stock = session.exec(select(func.count()).select_from(Product).where(
        Product.site_id == site_id, Product.in_stock == True)).one()  # noqa: E712
    finished = func.sum(case((col(QuizSession.finished), 1), else_=0))
    quiz = session.exec(select(QuizSession.flow_id, func.count(), finished)
                        .where(QuizSession.site_id == site_id, QuizSession.created_at >= since)
                        .group_by(col(QuizSession.flow_id))).all()
    events = session.exec(select(Event.type, func.count()).where(Event.site_id == site_id, Event.occurred_at >= since)
                          .group_by(col(Event.type)).order_by(func.count().desc())).all()
    return {"products": products, "in_stock": in_stock,
            "quizzes": [{"flow": f, "started": n, "finished": int(done or 0)} for f, n, done in quiz],
            "events": [{"type": t, "count": n} for t, n in events]}
