"""Writing a campaign: the form, saving only when everything is valid, the live preview and the audience."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.campaign_checks import check_form
from assistant.admin.campaign_forms import (
    MAX_ROWS,
    TIMEZONES,
    CampaignForm,
    add_row,
    blank_form,
    field_id,
    field_label,
    form_of,
    read_form,
    remove_row,
    row_name,
)
from assistant.admin.campaign_preview import AUDIENCE_DAYS, audience_of, build_preview, sample_values
from assistant.admin.campaigns import PLACEMENT_NAMES, campaign_or_404, site_or_404
from assistant.catalog.indexes import get_indexes
from assistant.db import get_session
from assistant.numbers import whole_or_none
from assistant.promotions.campaigns import campaign_in, create_campaign, list_campaigns, update_campaign, variants_of
from assistant.promotions.models import PLACEMENTS, STATUSES, Campaign, CtaKind
from assistant.promotions.render import NAMES
from assistant.promotions.rules import CONDITIONS, DEVICES
from assistant.sites.models import Site

CTA_KINDS: tuple[str, ...] = CtaKind.__args__  # type: ignore[attr-defined]
CTA_NAMES = {"none": "None", "link": "Link", "coupon": "Coupon code", "products": "Products"}
SAMPLE_FIELDS = [("sample.cart_value", "Cart value", "number", ""),
                 ("sample.cart_items", "Items in cart", "number", ""),
                 ("sample.first_name", "First name", "text", "unknown"),
                 ("sample.device", "Device", "device", ""),
                 ("sample.visits", "Visits", "number", ""),
                 ("sample.utm_source", "UTM source", "text", "newsletter"),
                 ("sample.quiz", "Quiz answer", "wide", "running-shoes/terrain = trail"),
                 ("sample.viewed", "Viewed products (SKUs)", "wide", "rs-001, rs-002"),
                 ("sample.customer", "Customer (their nightly figures fill the four fields below)", "wide",
                  "a customer id, e.g. from the Customers page"),
                 ("sample.segment", "Customer segment", "text", "at_risk"),
                 ("sample.clv", "Lifetime value (CLV)", "number", "unknown"),
                 ("sample.churn_risk", "Churn risk (0-1)", "number", "unknown"),
                 ("sample.p_alive", "P(alive) (0-1)", "number", "unknown")]
CHOICES = {"placements": [(p, PLACEMENT_NAMES.get(p, p)) for p in PLACEMENTS],
           "status_options": [(s, s.capitalize()) for s in STATUSES],
           "cta_options": [(k, CTA_NAMES.get(k, k)) for k in CTA_KINDS], "sample_fields": SAMPLE_FIELDS,
           "devices": DEVICES, "conditions": CONDITIONS, "names": sorted(NAMES), "max_rows": MAX_ROWS,
           "row_name": row_name, "field_id": field_id, "field_label": field_label,
           "allocation_modes": [("fixed", "Fixed, by weight"), ("bandit", "Bandit (Thompson)")],
           "bandit_metrics": [("conversion", "Conversion"), ("click", "Click")]}


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required("marketer")
def campaign_new() -> str | BaseResponse:
    """Write a new campaign."""
    site = site_or_404()
    if request.method == "GET":
        return _page(site, blank_form(_usual_timezone(site)), None)
    return _submitted(site, None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required("marketer")
def campaign_edit(campaign_id: int) -> str | BaseResponse:
    """Change a campaign; its variants keep their results by key."""
    site = site_or_404()
    campaign = campaign_or_404(site, campaign_id)
    if request.method == "GET":
        variants = variants_of(session=get_session(), campaign_ids=[campaign.pk])[campaign.pk]
        return _page(site, form_of(campaign_in(campaign, variants)), campaign)
    return _submitted(site, campaign)


@bp.post("/campaigns/preview")
@login_required("marketer")
def campaign_preview() -> str:
    """The preview panel alone, for the page's script to refresh while the marketer types."""
    site = site_or_404()
    preview = build_preview(session=get_session(), site=site, form=read_form(request.form),
                            sample=sample_values(request.form), catalogs=get_indexes())
    return render_template("admin/_campaign_preview.html", preview=preview, site=site)


@bp.post("/campaigns/audience")
@login_required("marketer")
def campaign_audience() -> str:
    """The audience count alone, for the page's script to fill in after the page has loaded."""
    site = site_or_404()
    conditions = request.form.get("conditions", "")
    return render_template("admin/_campaign_audience.html", counted=True, audience_days=AUDIENCE_DAYS,
                           audience=audience_of(session=get_session(), site=site, conditions=conditions))


def _submitted(site: Site, campaign: Campaign | None) -> str | BaseResponse:
    form = read_form(request.form)
    action = request.form.get("action", "save")
    if action == "add_variant":
        add_row(form)
    elif action.startswith("remove_variant:") and (row := whole_or_none(action.partition(":")[2])) is not None:
        form = remove_row(form, row)
    elif action == "save":
        data = check_form(form)
        if data is not None:
            session = get_session()
            if campaign is None:
                campaign = create_campaign(session=session, site=site, data=data)
            else:
                update_campaign(session=session, site=site, campaign_id=campaign.pk, data=data)
            session.commit()
            flash(f"Saved “{campaign.name}”.", "ok")
            return redirect(url_for("admin.campaign_edit", campaign_id=campaign.pk))
    return _page(site, form, campaign, counted=action == "count")


def _page(site: Site, form: CampaignForm, campaign: Campaign | None, *, counted: bool = False) -> str:
    """The form page; the audience is counted only when asked (it reads every recent visitor)."""
    session = get_session()
    sample = sample_values(request.form)
    return render_template(
        "admin/campaign_edit.html", site=site, form=form, campaign=campaign, sample=sample,
        preview=build_preview(session=session, site=site, form=form, sample=sample, catalogs=get_indexes()),
        audience=audience_of(session=session, site=site, conditions=form.value("conditions")) if counted else None,
        counted=counted, audience_days=AUDIENCE_DAYS,
        timezone_options=[(z, z) for z in _timezones(form.value("schedule.timezone"))],
        **CHOICES)


def _timezones(chosen: str) -> list[str]:
    return TIMEZONES if not chosen or chosen in TIMEZONES else [chosen, *TIMEZONES]


def _usual_timezone(site: Site) -> str:
    """The time zone of the site's latest edited campaign (marketers plan in their own), else UTC."""
    found = list_campaigns(session=get_session(), site=site)
    return max(found, key=lambda c: c.updated_at).timezone if found else "UTC"
