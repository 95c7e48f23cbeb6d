"""The site's survey settings live beside the promotions' (one attention budget) and survive the promotions form."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.promotions.settings import get_settings, save_settings
from assistant.sites.models import Site
from tests.admin.test_campaigns import marketer, post


def test_defaults_a_week_between_surveys_sampled_and_sharing_the_budget(session: Session, site: Site) -> None:
    surveys = get_settings(session=session, site=site).surveys
    assert (surveys.days_between, surveys.sampling, surveys.share_attention) == (7, True, True)
    assert get_settings(session=session, site=site).interruption_types() == ["survey_shown"]


def test_saving_the_promotions_form_keeps_the_survey_settings(client: FlaskClient, session: Session,
                                                               site: Site) -> None:
    save_settings(session=session, site=site, data={"surveys": {"days_between": 3, "share_attention": False}})
    session.commit()
    marketer(client, session)
    form = {"free_shipping_threshold": "75", "price_style": "prefix", "max_items": "3",
            "attention.max_popups_per_session": "1", "attention.popup_placements": "exit_intent"}
    assert post(client, "/admin/settings/promotions", form).status_code == 302
    session.expire_all()
    settings = get_settings(session=session, site=site)
    assert str(settings.free_shipping_threshold) == "75"
    assert (settings.surveys.days_between, settings.surveys.share_attention) == (3, False)
    assert settings.interruption_types() == []
