"""Promotion settings: defaults, validation per field, stored per site."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session

from assistant.promotions.problems import InvalidFields
from assistant.promotions.settings import get_settings, save_settings
from assistant.sites.models import Site


def test_defaults(session: Session, site: Site) -> None:
    settings = get_settings(session=session, site=site)
    assert settings.free_shipping_threshold is None and settings.slots_for("cart") == 1
    assert settings.attention.max_popups_per_session == 1
    assert settings.attention.quiet_after_dismiss == ["checkout"]
    assert settings.attention.popup_placements == ["exit_intent"]


def test_saved_and_read_back(session: Session, site: Site) -> None:
    save_settings(session=session, site=site, data={"free_shipping_threshold": "49.90", "slots": {"checkout": 2}})
    session.commit()
    settings = get_settings(session=session, site=site)
    assert settings.free_shipping_threshold == Decimal("49.90") and settings.slots_for("checkout") == 2


@pytest.mark.parametrize(("data", "field"), [
    ({"free_shipping_threshold": -1}, "settings.free_shipping_threshold"),
    ({"slots": {"sidebar": 1}}, "settings.slots.sidebar"),
    ({"attention": {"max_popups_per_session": 99}}, "settings.attention.max_popups_per_session"),
    ({"price_style": "fancy"}, "settings.price_style"),
    ({"colour": "red"}, "settings.colour"),
])
def test_bad_settings_name_the_field(session: Session, site: Site, data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidFields) as caught:
        save_settings(session=session, site=site, data=data)
    assert caught.value.problems[0].field == field
