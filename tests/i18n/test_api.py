"""The API in the page's language (`?lang=`, which the widget adds to every call): flows, quiz states and results
from the catalogue, a promotion's message and call to action, a survey translated through `locales:`, and the
widget's own words with their direction."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.app import create_app
from assistant.config import Settings
from assistant.promotions.settings import save_settings
from assistant.sites.models import Site
from tests.factories import make_product
from tests.flows.test_engine import SHOES
from tests.i18n.conftest import Write
from tests.promotions.helpers import CHROME, GAP_MESSAGE, make_campaign

GERMAN = {"Find your shoe": "Finden Sie Ihren Schuh", "Where do you run?": "Wo laufen Sie?", "Road": "Straße",
          "Trail": "Gelände", "trail grip": "Grip im Gelände", "Your budget?": "Ihr Budget?"}
SURVEY = """\
    id: nps
    title: Would you recommend us?
    locale: en
    locales: [de]
    placement: {after: purchase}
    questions:
      - {id: recommend, type: nps, text: How likely?, labels: [Never, Surely]}
    thanks: Thanks!
"""


@pytest.fixture
def app(database_url: str, session: Session, flows_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "nps.yaml").write_text(textwrap.dedent(SURVEY))
    (flows_dir / "shoes.yaml").write_text(SHOES)
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, surveys_dir=surveys, testing=True,
                              flows_catalog_check=False))
    yield app
    app.extensions["assistant"]["engine"].dispose()


@pytest.fixture(autouse=True)
def catalogues(translations: Write) -> None:
    gap = "Nur noch {{ price(free_shipping_gap) }} bis zum Gratisversand: {{ items[0].title }}"
    translations("de", {**GERMAN, GAP_MESSAGE: gap, "Add it": "Hinzufügen", "How likely?": "Wie wahrscheinlich?",
                        "Thanks!": "Danke!", "Back": "Zurück"})
    translations("ar", {"Back": "رجوع", "Where do you run?": "أين تجري؟"})


def call(client: FlaskClient, method: str, url: str, body: Any = None) -> Any:
    sep = "&" if "?" in url else "?"
    response = client.open(f"/api/v1{url}{sep}site=pk_test", method=method, headers={"User-Agent": CHROME},
                           data=json.dumps(body) if body is not None else None, content_type="text/plain")
    assert response.status_code < 300, response.get_json()
    return response.get_json()


def test_a_quiz_in_german_with_english_where_untranslated(client: FlaskClient, site: Site, session: Session) -> None:
    for sku, terrain in [("r1", "road"), ("t1", "trail")]:
        make_product(session, site, sku=sku, title=sku, price="90", categories="Shoes",
                     attributes={"terrain": terrain, "grip": "high"})
    assert call(client, "GET", "/flows?lang=de-DE")["flows"][0]["title"] == "Finden Sie Ihren Schuh"
    flow = call(client, "GET", "/flows/shoes?lang=de")["flow"]
    assert [a["text"] for a in flow["items"][0]["answers"]] == ["Straße", "Gelände"]
    state = call(client, "POST", "/quiz?lang=de", {"flow": "shoes", "visitor": "visitor-01"})
    assert (state["flow"]["title"], state["question"]["text"]) == ("Finden Sie Ihren Schuh", "Wo laufen Sie?")
    quiz = state["quiz"]
    state = call(client, "POST", f"/quiz/{quiz}/answers?lang=de", {"question": "terrain", "value": "trail"})
    assert state["question"]["text"] == "Ihr Budget?"
    results = call(client, "GET", f"/quiz/{quiz}/results?lang=de")
    assert "Grip im Gelände" in [r["text"] for item in results["items"] for r in item["reasons"]]
    english = call(client, "GET", f"/quiz/{quiz}/results?lang=fr")  # no French: the file's English
    assert "trail grip" in [r["text"] for item in english["items"] for r in item["reasons"]]
    assert call(client, "GET", f"/quiz/{quiz}?lang=ar")["question"]["text"] == "Your budget?"


@pytest.mark.parametrize(("lang", "locale", "direction", "back"), [
    ("de-AT", "de", "ltr", "Zurück"), ("ar", "ar", "rtl", "رجوع"), ("ar-EG", "ar", "rtl", "رجوع"),
    ("fr", "en", "ltr", None), ("", "en", "ltr", None), ("x" * 40, "en", "ltr", None)])
def test_the_widgets_words_and_direction(client: FlaskClient, site: Site, lang: str, locale: str, direction: str,
                                         back: str | None) -> None:
    words = call(client, "GET", f"/strings?lang={lang}")
    assert (words["locale"], words["dir"], words["strings"].get("Back")) == (locale, direction, back)
    assert "Where do you run?" not in words["strings"]  # a flow's text is not the widget's


def test_a_promotion_in_german_with_german_prices(client: FlaskClient, site: Site, session: Session) -> None:
    save_settings(session=session, site=site, data={"free_shipping_threshold": "75"})
    make_product(session, site, sku="sock", title="Trail Sock", price="12")
    make_campaign(session, site, name="Gap", conditions={"cart_value": {"max": 74.99}},
                  variants=[{"key": "a", "message": GAP_MESSAGE, "cta": {"kind": "products", "text": "Add it"}}])
    body = call(client, "GET", "/promotions?placement=cart&visitor=visitor-01&cart=x:1&cart_value=66.10&lang=de-DE")
    (message,) = body["messages"]
    assert (message["text"], message["cta"]["text"]) == ("Nur noch 8,90\u00a0€ bis zum Gratisversand: Trail Sock",
                                                         "Hinzufügen")
    assert body["i18n"]["dir"] == "ltr" and body["i18n"]["strings"]["Back"] == "Zurück"
    english = call(client, "GET", "/promotions?placement=cart&visitor=visitor-01&cart=x:1&cart_value=66.10&lang=fr")
    assert english["messages"][0]["text"] == "Only 8,90\u00a0€ to free shipping: add Trail Sock"


def test_a_broken_translation_of_a_message_falls_back_to_the_marketers_text(
        client: FlaskClient, site: Site, session: Session, translations: Write) -> None:
    translations("de", {GAP_MESSAGE: "Nur noch {{ price(free_shipping_gap) }"})  # the template does not parse
    save_settings(session=session, site=site, data={"free_shipping_threshold": "75"})
    make_product(session, site, sku="sock", title="Trail Sock", price="12")
    make_campaign(session, site, name="Gap", conditions={"cart_value": {"max": 74.99}},
                  variants=[{"key": "a", "message": GAP_MESSAGE}])
    body = call(client, "GET", "/promotions?placement=cart&visitor=visitor-01&cart=x:1&cart_value=66.10&lang=de")
    assert body["messages"][0]["text"] == "Only 8,90\u00a0€ to free shipping: add Trail Sock"


def test_a_survey_translated_through_its_locales(client: FlaskClient, site: Site) -> None:
    survey = call(client, "GET", "/surveys?placement=purchase&visitor=visitor-01&page=/thanks&lang=de-DE")["survey"]
    shown = (survey["locale"], survey["thanks"], survey["questions"][0]["text"])
    assert shown == ("de", "Danke!", "Wie wahrscheinlich?")
    assert survey["i18n"]["strings"]["Back"] == "Zurück"
    english = call(client, "GET", "/surveys?placement=purchase&visitor=visitor-01&page=/thanks&lang=en")["survey"]
    assert (english["locale"], english["thanks"]) == ("en", "Thanks!")
    assert call(client, "GET", "/surveys?placement=purchase&visitor=visitor-01&page=/thanks&lang=fr")["survey"] is None
