"""A flow's draft in the admin: edit the text with every problem beside it, replay recorded sessions, publish."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.context import admin_site
from assistant.admin.flows import _catalog, _key
from assistant.db import get_session
from assistant.errors import AssistantError, NotFound
from assistant.flows import publish as drafts
from assistant.flows.diff import diff_flows
from assistant.flows.registry import get_registry
from assistant.flows.replay import ReplayReport, recorded_answers, replay_sessions
from assistant.flows.schema import Flow
from assistant.flows.site_flows import site_flow
from assistant.merchandising.rules import rules_for_site
from assistant.rawsql import RawSQL
from assistant.sites.models import Site

DAYS = (7, 30, 90)
"""The replay windows offered."""
ACTIONS = ("save", "replay", "publish", "discard")
ADMIN_SETS = 2_000
"""At most this many distinct answer lists are replayed in a request: about 2 s of CPU at 100,000 products
(1.1 ms a list for both flows, benchmarks/replay.py), so a replay holds one worker for seconds, not for most
of gunicorn's 30 s timeout; shoppers' answer lists are skewed, so the most common 2,000 cover most runs, and
the page says how many it left out. The command line replays them all."""


@bp.get("/flows/<flow_id>/draft")
@login_required("merchandiser")
def flow_draft(flow_id: str) -> str:
    """The draft of a live flow: its text (the saved draft, a draft file beside the live one, or the live text)."""
    flow, live = _live(flow_id)
    text, source = drafts.draft_text(session=get_session(), flow_id=flow_id, live=live)
    return _page(flow, live, text, source=source, days=30)


@bp.post("/flows/<flow_id>/draft")
@login_required("merchandiser")
def flow_draft_act(flow_id: str) -> str | Response:
    """Save, replay, publish or discard the draft posted."""
    flow, live = _live(flow_id)
    action = request.form.get("action", "save")
    text = request.form.get("text", "").replace("\r\n", "\n")  # a textarea posts CRLF; flow files use LF
    days = int(request.form.get("days", "30")) if request.form.get("days") in {str(d) for d in DAYS} else 30
    if action not in ACTIONS:
        abort(400)
    db = get_session()
    if action == "discard":
        drafts.discard_draft(session=db, flow_id=flow_id)
        db.commit()
        flash("Draft discarded: the live version is shown.", "ok")
        return redirect(url_for("admin.flow_draft", flow_id=flow_id))
    drafts.save_draft(session=db, flow_id=flow_id, text=text, live=live, user_id=g.user.id)
    db.commit()
    if action == "publish":
        return _publish(flow, live, text, days)
    if action == "replay":
        return _page(flow, live, text, source="draft", days=days, replayed=True)
    flash("Draft saved. Shoppers still get the live version until you publish.", "ok")
    return redirect(url_for("admin.flow_draft", flow_id=flow_id))


def _publish(flow: Flow, live: Any, text: str, days: int) -> str | Response:
    site, db = admin_site(), get_session()
    remembered = session.get(f"replay:{flow.id}")
    replay = remembered if remembered and remembered.get("digest") == drafts.digest(text) else None
    try:
        drafts.publish(session=db, flow_id=flow.id, text=text, live=live, index=_catalog(site), user_id=g.user.id,
                       email=g.user.email, site_id=site.pk if site else None, replay=replay)
        db.commit()
    except AssistantError as exc:
        db.rollback()
        return _page(flow, live, text, source="draft", days=days, error=exc.message)
    session.pop(f"replay:{flow.id}", None)
    get_registry().refresh(force=True)  # this worker serves it at once; the others on their next rescan
    flash(f"Published {live.name}: shoppers get this version from now on.", "ok")
    return redirect(url_for("admin.flow_preview", flow_id=flow.id))


def _live(flow_id: str) -> tuple[Flow, Any]:
    """The live flow offered to the admin's site and the file it is served from, or 404."""
    registry = get_registry()
    registry.refresh(force=True)
    try:
        flow = site_flow(registry, _key(admin_site()), flow_id)
    except NotFound:
        abort(404)
    path = registry.path_of(flow_id)
    if path is None:
        abort(404)
    return flow, path


def _page(flow: Flow, live: Any, text: str, *, source: str, days: int, replayed: bool = False,
          error: str | None = None) -> str:
    site = admin_site()
    checked, problems = drafts.check_draft(text, live, _catalog(site))
    report = _replay(flow, checked, site, days) if replayed and checked is not None and site is not None else None
    if report is not None:
        session[f"replay:{flow.id}"] = _summary(report, text)
    history = drafts.publications(session=get_session(), flow_id=flow.id)
    if replayed and checked is None:
        error = error or "Fix the errors before replaying: a draft with errors cannot be replayed."
    return render_template("admin/flow_draft.html", flow=flow, file=live.name, text=text, source=source,
                           problems=problems, changes=diff_flows(flow, checked) if checked else [],
                           ready=checked is not None and checked.id == flow.id, report=report, days=days,
                           day_choices=DAYS, error=error, site=site, titles=_titles(site, report),
                           history=history, outside=drafts.changed_outside(history, live))


def _titles(site: Site | None, report: ReplayReport | None) -> dict[str, str]:
    """The titles of the products the report names (by SKU)."""
    if report is None or site is None:
        return {}
    index = _catalog(site)
    skus = [sku for sku, _, _ in report.gains() + report.losses()]
    return {index.skus[p]: index.product(int(p)).title for p in index.positions(skus)}


def _replay(live: Flow, draft: Flow, site: Site, days: int) -> ReplayReport:
    """The replay of the site's recorded runs, the ADMIN_SETS most common answer lists (the request must end)."""
    recorded = recorded_answers(RawSQL(get_session()), site_id=site.pk, flow_id=live.id, days=days)
    recorded.sort(key=lambda pair: -pair[1])
    rules = rules_for_site(current_app.extensions["assistant"]["settings"].merch_rules, site.key)
    report = replay_sessions(live, draft, recorded[:ADMIN_SETS], _catalog(site), rules=rules, days=days)
    report.left_out = sum(count for _, count in recorded[ADMIN_SETS:])
    return report


def _summary(report: ReplayReport, text: str) -> dict[str, Any]:
    """The replay's headline numbers, recorded with the publication of the same text."""
    return {"digest": drafts.digest(text), "days": report.days, "sessions": report.sessions,
            "changed": report.changed, "zero_before": report.zero_before, "zero_after": report.zero_after,
            "relaxed_before": report.relaxed_before, "relaxed_after": report.relaxed_after,
            "newly_empty": len(report.newly_empty())}
