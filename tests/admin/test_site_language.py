"""The admin's site settings: the site's default language, a locale CLDR knows (stored as a BCP 47 tag) or none;
anything else refused beside the field, with nothing saved."""

from __future__ import annotations

from html import unescape

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.sites.models import Site
from tests.admin.test_auth import csrf
from tests.admin.test_campaigns import error_of, page
from tests.admin.test_site_settings import URL, admin


def save(client: FlaskClient, locale: str, percent: str = "0") -> str:
    response = client.post(URL, data={"control_percent": percent, "default_locale": locale,
                                      "csrf_token": csrf(client, URL)}, follow_redirects=True)
    return page(response)


def stored(session: Session, site: Site) -> tuple[str | None, float]:
    session.expire_all()
    found = session.get(Site, site.pk)
    assert found is not None
    return found.default_locale, found.control_share


@pytest.mark.parametrize(("typed", "kept"), [("fr", "fr"), ("de_ch", "de-CH"), (" pt-BR ", "pt-BR"), ("", None)])
def test_a_known_locale_is_saved_as_a_language_tag(client: FlaskClient, session: Session, site: Site, typed: str,
                                                   kept: str | None) -> None:
    admin(client, session)
    html = save(client, typed, percent="2")
    assert f"Default language: {kept or 'English'}." in html
    assert stored(session, site) == (kept, 0.02)
    assert f'name="default_locale" type="text" maxlength="35" autocomplete="off" spellcheck="false" ' \
           f'value="{kept or ""}"' in page(client.get(URL))


@pytest.mark.parametrize("typed", ["xx", "french", "de-XX", "12"])
def test_an_unknown_locale_is_refused_beside_the_field(client: FlaskClient, session: Session, site: Site,
                                                       typed: str) -> None:
    admin(client, session)
    html = save(client, typed, percent="3")
    assert [unescape(e) for e in error_of(html, "s-default_locale")] == [
        f"The language '{typed}' is not a locale CLDR knows: write a language tag such as fr, de-CH or pt-BR "
        "(or nothing, for English)."]
    assert f'value="{typed}"' in html and 'value="3"' in html  # what was typed is kept
    assert stored(session, site) == (None, 0)  # nothing saved, not even the valid share


def test_both_fields_wrong_are_both_marked(client: FlaskClient, session: Session, site: Site) -> None:
    admin(client, session)
    html = save(client, "xx", percent="99")
    assert error_of(html, "s-control_percent") and error_of(html, "s-default_locale")
