"""Campaigns for marketers: the list per site, status changes, duplicates, YAML export and import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlmodel import col, func, select
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.context import admin_site
from assistant.db import get_session
from assistant.errors import Invalid, NotFound
from assistant.numbers import is_id
from assistant.promotions.campaigns import (
    duplicate_campaign,
    export_campaigns,
    get_campaign,
    import_campaigns,
    list_campaigns,
    set_status,
    variants_of,
)
from assistant.promotions.events import CLICK, IMPRESSION, parse_ref
from assistant.promotions.models import Campaign, Variant
from assistant.promotions.problems import FieldProblem, InvalidFields
from assistant.sites.models import Site
from assistant.timeutil import as_utc, utcnow
from assistant.tracking.models import Event

RECENT_DAYS = 7
ACTIONS = {"draft": [("live", "Set live")], "live": [("paused", "Pause"), ("ended", "End")],
           "paused": [("live", "Resume"), ("ended", "End")], "ended": [("draft", "Reopen as draft")]}
PLACEMENT_NAMES = {"cart": "Cart", "checkout": "Checkout", "product": "Product page", "any": "Any page",
                   "quiz_results": "Quiz results", "exit_intent": "Exit intent"}
DONE = {"live": "is live", "paused": "is paused", "ended": "has ended", "draft": "is a draft again"}


@dataclass(frozen=True)
class Listed:
    """A campaign as the list shows it."""

    campaign: Campaign
    variants: list[tuple[Variant, int]]
    """Each variant with its share of traffic in percent."""
    schedule: str
    timing: str
    """'' while the schedule runs (or there is none), else 'starts later' or 'schedule over'."""
    impressions: int
    clicks: int


def site_or_404() -> Site:
    """The site the admin is looking at; 404 when there is none yet."""
    site = admin_site()
    if site is None:
        abort(404)
    return site


def campaign_or_404(site: Site, campaign_id: int) -> Campaign:
    """The campaign `campaign_id` of `site`, or a 404 page."""
    if not is_id(campaign_id):  # past 2^31 - 1 no INTEGER id holds it: a query would be a 500
        abort(404)
    try:
        return get_campaign(session=get_session(), site=site, campaign_id=campaign_id)
    except NotFound:
        abort(404)


@bp.get("/campaigns")
@login_required("marketer")
def campaigns() -> str:
    """The site's campaigns, highest priority first, with their last days' impressions and clicks."""
    site = admin_site()
    rows = _listed(site) if site else []
    return render_template("admin/campaigns.html", site=site, rows=rows, days=RECENT_DAYS, actions=ACTIONS,
                           placements=PLACEMENT_NAMES)


@bp.post("/campaigns/<int:campaign_id>/status")
@login_required("marketer")
def campaign_status(campaign_id: int) -> BaseResponse:
    """Set a campaign live, pause, end or reopen it."""
    site = site_or_404()
    campaign_or_404(site, campaign_id)
    status = request.form.get("status", "")
    try:
        campaign = set_status(session=get_session(), site=site, campaign_id=campaign_id, status=status)
    except Invalid as exc:
        flash(f"Status not changed: {exc.message}.", "error")
    else:
        get_session().commit()
        flash(f"“{campaign.name}” {DONE[status]}.", "ok")
    return redirect(_back())


@bp.post("/campaigns/<int:campaign_id>/duplicate")
@login_required("marketer")
def campaign_duplicate(campaign_id: int) -> BaseResponse:
    """Copy a campaign as a new draft and open it."""
    site = site_or_404()
    campaign_or_404(site, campaign_id)
    copy = duplicate_campaign(session=get_session(), site=site, campaign_id=campaign_id)
    get_session().commit()
    flash(f"Copied as “{copy.name}”, a draft: change what you need and set it live.", "ok")
    return redirect(url_for("admin.campaign_edit", campaign_id=copy.pk))


@bp.get("/campaigns/export")
@login_required("marketer")
def campaigns_export() -> Response:
    """Every campaign of the site as a YAML file to download."""
    site = site_or_404()
    text = export_campaigns(session=get_session(), site=site)
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="campaigns-{site.key}.yaml"'})


@bp.route("/campaigns/import", methods=["GET", "POST"])
@login_required("marketer")
def campaigns_import() -> str | BaseResponse:
    """Upload or paste a YAML file of campaigns; with any problem, nothing changes."""
    site = site_or_404()
    if request.method == "GET":
        return render_template("admin/campaign_import.html", site=site, text="", problems=[])
    text, problems = _uploaded()
    if not problems:
        try:
            return _imported(site, text)
        except InvalidFields as exc:
            get_session().rollback()
            problems = exc.problems
    return render_template("admin/campaign_import.html", site=site, text=text, problems=problems)


def _imported(site: Site, text: str) -> BaseResponse:
    session = get_session()
    before = {c.name for c in list_campaigns(session=session, site=site)}
    stored = import_campaigns(session=session, site=site, text=text)
    session.commit()
    new = sum(c.name not in before for c in stored)
    flash(f"Imported {len(stored)} campaign(s): {new} new, {len(stored) - new} updated.", "ok")
    return redirect(url_for("admin.campaigns"))


def _uploaded() -> tuple[str, list[FieldProblem]]:
    """The posted YAML (the uploaded file, else the pasted text), or why there is none."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        try:
            return upload.read().decode("utf-8"), []
        except UnicodeDecodeError:
            return "", [FieldProblem("file", "the file is not UTF-8 text; save it as UTF-8 and upload it again")]
    text = request.form.get("yaml", "")
    if not text.strip():
        return text, [FieldProblem("yaml", "choose a file or paste the YAML")]
    return text, []


def _back() -> str:
    target = request.form.get("back", "")
    return target if target.startswith("/admin/") and not target.startswith("//") else url_for("admin.campaigns")


def _listed(site: Site) -> list[Listed]:
    session = get_session()
    found = list_campaigns(session=session, site=site)
    variants = variants_of(session=session, campaign_ids=[c.pk for c in found])
    counts = _recent_counts(site)
    now = utcnow()
    rows = []
    for campaign in found:
        total = sum(v.weight for v in variants[campaign.pk]) or 1
        shares = [(v, round(100 * v.weight / total)) for v in variants[campaign.pk]]
        schedule, timing = schedule_text(campaign, now)
        shown, clicked = counts.get(campaign.pk, (0, 0))
        rows.append(Listed(campaign, shares, schedule, timing, shown, clicked))
    return rows


def schedule_text(campaign: Campaign, now: datetime) -> tuple[str, str]:
    """The schedule in the campaign's time zone ('always' without one) and where `now` is in it."""
    start = as_utc(campaign.starts_at) if campaign.starts_at else None
    end = as_utc(campaign.ends_at) if campaign.ends_at else None
    tz = ZoneInfo(campaign.timezone)
    if start and end:
        text = f"{_when(start, tz)} – {_when(end, tz)}"
    elif start:
        text = f"from {_when(start, tz)}"
    elif end:
        text = f"until {_when(end, tz)}"
    else:
        return "always", ""
    timing = "schedule over" if end and end <= now else "starts later" if start and start > now else ""
    return text, timing


def _when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b %Y, %H:%M}"


def _recent_counts(site: Site) -> dict[int, tuple[int, int]]:
    """Impressions and clicks per campaign id in the last RECENT_DAYS days (one grouped query)."""
    since = utcnow() - timedelta(days=RECENT_DAYS)
    query = (select(Event.ref, Event.type, func.count())
             .where(Event.site_id == site.id, col(Event.type).in_([IMPRESSION, CLICK]), Event.occurred_at >= since)
             .group_by(col(Event.ref), col(Event.type)))
    counts: dict[int, tuple[int, int]] = {}
    for ref, kind, number in get_session().exec(query):
        campaign_id, _ = parse_ref(ref)
        if campaign_id is not None:
            shown, clicked = counts.get(campaign_id, (0, 0))
            counts[campaign_id] = (shown + number, clicked) if kind == IMPRESSION else (shown, clicked + number)
    return counts
