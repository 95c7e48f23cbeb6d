"""Campaigns for the admin pages: create, update, get, list, duplicate, change status."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from assistant.errors import Invalid, NotFound
from assistant.promotions.checks import campaign_problems, normalized_schedule, parse_campaign
from assistant.promotions.models import (
    STATUSES,
    AllocationIn,
    Campaign,
    CampaignIn,
    CapsIn,
    CtaIn,
    ScheduleIn,
    Variant,
    VariantIn,
)
from assistant.promotions.problems import InvalidFields
from assistant.promotions.yamlio import export_yaml, import_yaml
from assistant.sites.models import Site
from assistant.timeutil import as_utc, utcnow


def valid_campaign(data: CampaignIn | dict[str, Any]) -> CampaignIn:
    """`data` fully checked and its schedule normalized; InvalidFields lists every problem."""
    if isinstance(data, CampaignIn):
        problems = list(campaign_problems(data))
        if problems:
            raise InvalidFields(problems)
        return data.model_copy(update={"schedule": normalized_schedule(data.schedule)})
    return parse_campaign(data)


def create_campaign(*, session: Session, site: Site, data: CampaignIn | dict[str, Any]) -> Campaign:
    """Store a new campaign and its variants; the caller commits."""
    campaign = Campaign(site_id=site.pk, name="", placement="")
    return _store(session, campaign, valid_campaign(data))


def update_campaign(*, session: Session, site: Site, campaign_id: int, data: CampaignIn | dict[str, Any]) -> Campaign:
    """Replace a campaign's fields; variants are matched by key, so results keep their history."""
    return _store(session, get_campaign(session=session, site=site, campaign_id=campaign_id), valid_campaign(data))


def get_campaign(*, session: Session, site: Site, campaign_id: int) -> Campaign:
    """The campaign `campaign_id` of `site`, or NotFound."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.site_id != site.id:
        raise NotFound(f"no campaign {campaign_id}", field="campaign")
    return campaign


def list_campaigns(*, session: Session, site: Site, status: str | None = None) -> list[Campaign]:
    """The site's campaigns (of one status if given), highest priority first."""
    query = select(Campaign).where(Campaign.site_id == site.id)
    if status is not None:
        query = query.where(Campaign.status == status)
    return list(session.exec(query.order_by(col(Campaign.priority).desc(), col(Campaign.id))))


def variants_of(*, session: Session, campaign_ids: list[int]) -> dict[int, list[Variant]]:
    """Variants per campaign id, in the order they were written."""
    found: dict[int, list[Variant]] = {i: [] for i in campaign_ids}
    query = select(Variant).where(col(Variant.campaign_id).in_(campaign_ids)).order_by(col(Variant.id))
    for variant in session.exec(query):
        found[variant.campaign_id].append(variant)
    return found


def set_status(*, session: Session, site: Site, campaign_id: int, status: str) -> Campaign:
    """Set a campaign live, paused, ended or back to draft."""
    if status not in STATUSES:
        raise Invalid(f"must be one of: {', '.join(STATUSES)}", field="status")
    campaign = get_campaign(session=session, site=site, campaign_id=campaign_id)
    campaign.status, campaign.updated_at = status, utcnow()
    session.add(campaign)
    session.flush()
    return campaign


def duplicate_campaign(*, session: Session, site: Site, campaign_id: int) -> Campaign:
    """A draft copy of a campaign (named '... (copy)'), with its own new assignments and counts."""
    original = get_campaign(session=session, site=site, campaign_id=campaign_id)
    data = campaign_in(original, variants_of(session=session, campaign_ids=[original.pk])[original.pk])
    copy = data.model_copy(update={"name": f"{data.name} (copy)"[:200], "status": "draft"})
    return create_campaign(session=session, site=site, data=copy)


def campaign_in(campaign: Campaign, variants: list[Variant]) -> CampaignIn:
    """The editable shape of a stored campaign (for forms and YAML export)."""
    schedule = ScheduleIn(start=as_utc(campaign.starts_at) if campaign.starts_at else None,
                          end=as_utc(campaign.ends_at) if campaign.ends_at else None, timezone=campaign.timezone)
    return CampaignIn(
        name=campaign.name, placement=campaign.placement, status=campaign.status,  # type: ignore[arg-type]
        priority=campaign.priority, conditions=campaign.conditions, schedule=schedule,
        caps=CapsIn(per_session=campaign.cap_per_session, per_day=campaign.cap_per_day, total=campaign.cap_total),
        variants=[VariantIn(key=v.key, weight=v.weight, control=v.is_control, message=v.message,
                            cta=CtaIn(kind=v.cta_kind, text=v.cta_text, url=v.cta_url,  # type: ignore[arg-type]
                                      coupon=v.coupon_code)) for v in variants],
        allocation=AllocationIn(mode=campaign.allocation, metric=campaign.bandit_metric,  # type: ignore[arg-type]
                                min_share=campaign.min_share))


def _store(session: Session, campaign: Campaign, data: CampaignIn) -> Campaign:
    schedule = data.schedule
    campaign.sqlmodel_update({
        "name": data.name, "placement": data.placement, "status": data.status, "priority": data.priority,
        "conditions": data.conditions, "timezone": schedule.timezone,
        "starts_at": schedule.start, "ends_at": schedule.end,
        "cap_per_session": data.caps.per_session, "cap_per_day": data.caps.per_day, "cap_total": data.caps.total,
        "allocation": data.allocation.mode, "bandit_metric": data.allocation.metric,
        "min_share": data.allocation.min_share, "updated_at": utcnow()})
    session.add(campaign)
    session.flush()
    existing = {v.key: v for v in variants_of(session=session, campaign_ids=[campaign.pk])[campaign.pk]}
    for given in data.variants:
        variant = existing.pop(given.key, None) or Variant(campaign_id=campaign.pk, key=given.key)
        variant.sqlmodel_update({"weight": given.weight, "is_control": given.control, "message": given.message,
                                 "cta_kind": given.cta.kind, "cta_text": given.cta.text, "cta_url": given.cta.url,
                                 "coupon_code": given.cta.coupon})
        session.add(variant)
    for gone in existing.values():
        session.delete(gone)
    session.flush()
    return campaign


def export_campaigns(*, session: Session, site: Site, ids: list[int] | None = None) -> str:
    """The site's campaigns (or those with `ids`) as a YAML document."""
    campaigns = [c for c in list_campaigns(session=session, site=site) if ids is None or c.id in ids]
    variants = variants_of(session=session, campaign_ids=[c.pk for c in campaigns])
    return export_yaml([campaign_in(c, variants[c.pk]) for c in campaigns])


def import_campaigns(*, session: Session, site: Site, text: str) -> list[Campaign]:
    """Create or update (matched by name) every campaign of a YAML file; nothing changes if any has a problem."""
    by_name = {c.name: c for c in list_campaigns(session=session, site=site)}
    stored = []
    for data in import_yaml(text):
        campaign = by_name.get(data.name) or Campaign(site_id=site.pk, name="", placement="")
        stored.append(_store(session, campaign, data))
    return stored
