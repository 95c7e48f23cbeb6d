"""Campaigns in the database: create, update (variants kept by key), list, duplicate, status, import."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from assistant.errors import Invalid, NotFound
from assistant.promotions.campaigns import (
    campaign_in,
    create_campaign,
    duplicate_campaign,
    export_campaigns,
    get_campaign,
    import_campaigns,
    list_campaigns,
    set_status,
    update_campaign,
    variants_of,
)
from assistant.promotions.problems import InvalidFields
from assistant.promotions.yamlio import export_yaml
from assistant.sites.models import Site
from tests.factories import make_site
from tests.promotions.helpers import campaign_data, make_campaign


def test_create_stores_every_field_and_reads_back(session: Session, site: Site) -> None:
    data = campaign_data(priority=3, caps={"per_day": 2}, conditions={"visitor": "new"},
                         schedule={"start": "2026-06-01T09:00", "timezone": "Asia/Tokyo"},
                         variants=[{"key": "a", "weight": 3, "message": "Hi"}, {"key": "c", "control": True}])
    campaign = create_campaign(session=session, site=site, data=data)
    session.commit()
    stored = get_campaign(session=session, site=site, campaign_id=campaign.pk)
    assert stored.starts_at is not None and stored.starts_at.hour == 0  # 09:00 in Tokyo is midnight UTC
    variants = variants_of(session=session, campaign_ids=[stored.pk])[stored.pk]
    assert [(v.key, v.weight, v.is_control) for v in variants] == [("a", 3, False), ("c", 1, True)]
    shape = campaign_in(stored, variants)
    assert shape.caps.per_day == 2 and shape.conditions == {"visitor": "new"}
    assert shape.schedule.timezone == "Asia/Tokyo"


def test_bad_input_is_refused_with_every_field(session: Session, site: Site) -> None:
    with pytest.raises(InvalidFields) as caught:
        create_campaign(session=session, site=site, data=campaign_data(placement="x", variants=[{"key": "a"}]))
    assert {p.field for p in caught.value.problems} == {"placement", "variants[0].message"}
    assert list_campaigns(session=session, site=site) == []


def test_update_keeps_variants_by_key(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, variants=[{"key": "a", "message": "A"}, {"key": "b", "message": "B"}])
    before = {v.key: v.id for v in variants_of(session=session, campaign_ids=[campaign.pk])[campaign.pk]}
    update_campaign(session=session, site=site, campaign_id=campaign.pk,
                    data=campaign_data(name="Renamed", variants=[{"key": "b", "message": "B2"},
                                                                 {"key": "c", "message": "C"}]))
    session.commit()
    after = variants_of(session=session, campaign_ids=[campaign.pk])[campaign.pk]
    assert [v.key for v in after] == ["b", "c"]
    assert after[0].id == before["b"] and after[0].message == "B2"
    assert get_campaign(session=session, site=site, campaign_id=campaign.pk).name == "Renamed"


def test_list_status_duplicate(session: Session, site: Site) -> None:
    low = make_campaign(session, site, name="Low", priority=1)
    high = make_campaign(session, site, name="High", priority=9)
    assert [c.name for c in list_campaigns(session=session, site=site)] == ["High", "Low"]
    set_status(session=session, site=site, campaign_id=low.pk, status="paused")
    assert [c.name for c in list_campaigns(session=session, site=site, status="live")] == ["High"]
    copy = duplicate_campaign(session=session, site=site, campaign_id=high.pk)
    assert (copy.name, copy.status) == ("High (copy)", "draft") and copy.id != high.id
    with pytest.raises(Invalid) as caught:
        set_status(session=session, site=site, campaign_id=low.pk, status="on")
    assert caught.value.field == "status"


def test_campaigns_belong_to_their_site(session: Session, site: Site) -> None:
    other = make_site(session, key="pk_other")
    campaign = make_campaign(session, other)
    with pytest.raises(NotFound):
        get_campaign(session=session, site=site, campaign_id=campaign.pk)


def test_import_creates_and_updates_by_name(session: Session, site: Site) -> None:
    existing = make_campaign(session, site, name="Gap")
    shape = campaign_in(existing, variants_of(session=session, campaign_ids=[existing.pk])[existing.pk])
    text = export_yaml([shape.model_copy(update={"priority": 7}), shape.model_copy(update={"name": "New one"})])
    imported = import_campaigns(session=session, site=site, text=text)
    session.commit()
    assert [c.name for c in imported] == ["Gap", "New one"]
    assert imported[0].id == existing.id and imported[0].priority == 7
    assert len(list_campaigns(session=session, site=site)) == 2


def test_import_with_a_problem_changes_nothing(session: Session, site: Site) -> None:
    text = "campaigns:\n  - name: ok\n    placement: cart\n    variants: [{key: a, message: hi}]\n" \
           "  - name: bad\n    placement: moon\n    variants: [{key: a, message: hi}]\n"
    with pytest.raises(InvalidFields) as caught:
        import_campaigns(session=session, site=site, text=text)
    assert caught.value.problems[0].line == 6
    assert list_campaigns(session=session, site=site) == []


def test_export_campaigns_writes_the_site_campaigns(session: Session, site: Site) -> None:
    make_campaign(session, site, name="One")
    assert "name: One" in export_campaigns(session=session, site=site)
