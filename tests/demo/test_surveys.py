"""The demo's surveys: the NPS after a purchase, the CSAT after the product finder, the Japanese NPS on a page
switched to Japanese, for every visitor (the demo samples no one out)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.demo.build import build_demo
from assistant.demo.campaigns import seed_campaigns
from tests.promotions.helpers import CHROME


@pytest.fixture
def demo(session: Session) -> None:
    site = build_demo(session=session, origins=["http://127.0.0.1:5000"])
    seed_campaigns(session=session, site=site)
    session.commit()


def survey(client: FlaskClient, visitor: str, query: str) -> str | None:
    body = client.get(f"/api/v1/surveys?site=pk_demo&visitor={visitor}&{query}",
                      headers={"User-Agent": CHROME}).get_json()
    return body["survey"]["id"] if body["survey"] else None


@pytest.mark.parametrize("number", range(8))  # the shipped NPS samples half: the demo's settings offer it to all
def test_every_demo_visitor_gets_the_nps_after_a_purchase_and_the_csat_after_the_quiz(
        client: FlaskClient, demo: None, number: int) -> None:
    visitor = f"demo-visitor-{number:03d}"
    assert survey(client, visitor, "placement=purchase&page=http://127.0.0.1:5000/demo/checkout&lang=en") \
        == "post-purchase-nps"
    assert survey(client, f"{visitor}-quiz", "placement=quiz_finished&page=/demo/&lang=en") == "quiz-csat"


def test_the_japanese_nps_on_a_japanese_page(client: FlaskClient, demo: None) -> None:
    assert survey(client, "demo-visitor-ja", "placement=purchase&page=/demo/checkout&lang=ja") == "post-purchase-nps-ja"
    page = client.get("/demo/?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert '<html lang="ja">' in client.get("/demo/cart").get_data(as_text=True)  # kept for the visit
    assert '<html lang="en">' in client.get("/demo/?lang=en").get_data(as_text=True)
