"""A site's default locale (Site.default_locale): a page whose language has no catalogue (or that names none) reads
the site's language before English, in every answer a shopper reads: the widget's words, flows, quiz states,
promotion messages and surveys."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.i18n.catalogue import get_catalogue
from assistant.i18n.localize import localized
from assistant.promotions.settings import save_settings
from assistant.sites.models import Site
from tests.factories import make_product
from tests.flows.test_engine import SHOES, load_flow
from tests.i18n.test_api import app, call, catalogues  # noqa: F401  (fixtures)
from tests.promotions.helpers import GAP_MESSAGE, make_campaign

CART = "/promotions?placement=cart&visitor=visitor-01&cart=x:1&cart_value=66.10"


@pytest.fixture
def german_site(site: Site, session: Session) -> Site:
    site.default_locale = "de"
    session.add(site)
    session.commit()
    return site


@pytest.mark.parametrize("lang", ["ja", "fr-CA", "", "x" * 40])
@pytest.mark.usefixtures("german_site")
def test_a_page_in_a_language_without_a_catalogue_reads_the_sites(client: FlaskClient, lang: str) -> None:
    words = call(client, "GET", f"/strings?lang={lang}")
    assert (words["locale"], words["dir"], words["strings"]["Back"]) == ("de", "ltr", "Zurück")
    assert words["lang"] == (lang if len(lang) <= 35 else "")  # Intl still formats in the page's own language
    assert call(client, "GET", f"/flows?lang={lang}")["flows"][0]["title"] == "Finden Sie Ihren Schuh"


@pytest.mark.usefixtures("german_site")
def test_the_pages_own_catalogue_comes_first_then_the_sites(client: FlaskClient) -> None:
    state = call(client, "POST", "/quiz?lang=ar", {"flow": "shoes", "visitor": "visitor-01"})
    assert state["question"]["text"] == "أين تجري؟"  # Arabic has it
    state = call(client, "POST", f"/quiz/{state['quiz']}/answers?lang=ar", {"question": "terrain", "value": "trail"})
    assert state["question"]["text"] == "Ihr Budget?"  # Arabic lacks it: the site's German, not English
    assert call(client, "GET", "/strings?lang=ar")["locale"] == "ar"


def test_without_a_default_such_a_page_reads_english(client: FlaskClient, site: Site) -> None:
    assert site.default_locale is None
    assert call(client, "GET", "/strings?lang=ja")["locale"] == "en"
    assert call(client, "GET", "/flows?lang=ja")["flows"][0]["title"] == "Find your shoe"


def test_a_promotion_and_a_survey_in_the_sites_language(client: FlaskClient, german_site: Site,
                                                       session: Session) -> None:
    save_settings(session=session, site=german_site, data={"free_shipping_threshold": "75"})
    make_product(session, german_site, sku="sock", title="Trail Sock", price="12")
    make_campaign(session, german_site, name="Gap", conditions={"cart_value": {"max": 74.99}},
                  variants=[{"key": "a", "message": GAP_MESSAGE, "cta": {"kind": "products", "text": "Add it"}}])
    for lang in ("ja", ""):
        body = call(client, "GET", f"{CART}&lang={lang}")
        (message,) = body["messages"]
        assert message["text"].startswith("Nur noch ") and message["cta"]["text"] == "Hinzufügen"
        assert body["i18n"]["locale"] == "de"
    survey = call(client, "GET", "/surveys?placement=purchase&visitor=visitor-01&page=/thanks")["survey"]
    assert (survey["locale"], survey["thanks"], survey["i18n"]["locale"]) == ("de", "Danke!", "de")


def test_a_translated_flow_is_kept_per_catalogues_consulted_not_per_tag() -> None:
    flow, catalogue = load_flow(SHOES), get_catalogue()
    german = localized(flow, catalogue, "de-AT")
    assert german.title == "Finden Sie Ihren Schuh"
    assert localized(flow, catalogue, "ja", "de") is german  # the same German: one object for the results cache
    assert localized(flow, catalogue, "", "de-CH") is german
    arabic_then_german = localized(flow, catalogue, "ar", "de")
    assert (arabic_then_german.questions[0].text, arabic_then_german.title) == ("أين تجري؟", "Finden Sie Ihren Schuh")
    assert localized(flow, catalogue, "ar").title == "Find your shoe"  # Arabic, then English: another object
