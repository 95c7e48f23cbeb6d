"""A flow's draft in the admin: problems beside the text, replay on recorded sessions, publish, history."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from assistant.admin import flow_drafts
from assistant.flows.models import FlowDraft, FlowPublication
from assistant.flows.registry import get_registry
from assistant.sites.models import Site
from tests.admin.test_auth import csrf, log_in
from tests.factories import make_user
from tests.flows.test_replay import LIVE, NARROWED, stock_shop


def post(client: FlaskClient, action: str, text: str, token_from: str = "/admin/flows/shoes/draft",
         **extra: str) -> tuple[int, str]:
    token = csrf(client, token_from)
    response = client.post("/admin/flows/shoes/draft", data={"csrf_token": token, "action": action, "text": text,
                                                             "days": "30", **extra})
    return response.status_code, response.get_data(as_text=True)


def setup(client: FlaskClient, session: Session, site: Site, flows_dir: Path, role: str = "merchandiser") -> None:
    (flows_dir / "shoes.yaml").write_text(LIVE)
    stock_shop(session, site)
    make_user(session, role=role, email="merch@shop.example")
    log_in(client, "merch@shop.example")


def test_a_draft_shows_every_problem_and_cannot_be_published(client: FlaskClient, session: Session, site: Site,
                                                             flows_dir: Path) -> None:
    setup(client, session, site, flows_dir)
    page = client.get("/admin/flows/shoes/draft").get_data(as_text=True)
    assert "No draft yet: this is the live text." in page and "no problems" in page
    broken = LIVE.replace("type: single", "type: singel", 1).replace("filter: {colour: [black]}",
                                                                      "filter: {color: [black]}")
    status, page = post(client, "publish", broken)
    assert status == 200 and "2 error(s)" in page and "fix them before publishing" in page
    assert "line 6:11</span>" in page and "unknown attribute &#39;color&#39;" in page
    assert (flows_dir / "shoes.yaml").read_text() == LIVE
    assert session.exec(select(FlowDraft.text)).one() == broken  # kept as a draft, not lost


def test_replay_then_publish_records_who_and_the_registry_serves_it(app: Flask, client: FlaskClient, session: Session,
                                                                     site: Site, flows_dir: Path) -> None:
    setup(client, session, site, flows_dir)
    status, page = post(client, "replay", NARROWED)
    assert status == 200
    assert '<span class="num" data-figure="changed">3</span>' in page
    assert '<span class="num" data-figure="newly-empty">1</span>' in page
    assert "<td>terrain=trail &gt; colour=dark</td><td class=\"n\">3</td>" in page
    assert "filter<br><del>{&#34;terrain&#34;: [&#34;trail&#34;, &#34;mixed&#34;]}</del>" in page
    status, _ = post(client, "publish", NARROWED)
    assert status == 302
    assert (flows_dir / "shoes.yaml").read_text() == NARROWED
    assert "draft waiting" not in client.get("/admin/flows").get_data(as_text=True)
    with app.app_context():
        assert get_registry(app).get("shoes").questions[0].answers[1].filter == {"terrain": ["trail"]}
    publication = session.exec(select(FlowPublication)).one()
    assert (publication.published_by_email, publication.previous_text, publication.site_id) == (
        "merch@shop.example", LIVE, site.pk)
    replayed = publication.replay or {}
    assert (replayed.get("changed"), replayed.get("newly_empty"), replayed.get("sessions")) == (3, 1, 9)
    assert session.exec(select(FlowDraft)).all() == []
    page = client.get("/admin/flows/shoes").get_data(as_text=True)
    assert "<td>merch@shop.example</td>" in page and "3 of 9 sessions changed over 30 days" in page
    assert "changed outside the admin" not in page
    (flows_dir / "shoes.yaml").write_text(LIVE)  # saved by hand
    assert "changed outside the admin" in client.get("/admin/flows/shoes").get_data(as_text=True)


def test_publishing_over_a_file_changed_by_hand_is_refused(client: FlaskClient, session: Session, site: Site,
                                                           flows_dir: Path) -> None:
    setup(client, session, site, flows_dir)
    post(client, "save", NARROWED)
    by_hand = LIVE.replace("title: Find your shoe", "title: Edited by hand")
    (flows_dir / "shoes.yaml").write_text(by_hand)
    status, page = post(client, "publish", NARROWED)
    assert status == 200 and "shoes.yaml changed since this draft was started" in page
    assert (flows_dir / "shoes.yaml").read_text() == by_hand


def test_marketers_may_not_edit_flows(client: FlaskClient, session: Session, site: Site, flows_dir: Path) -> None:
    setup(client, session, site, flows_dir, role="marketer")
    assert client.get("/admin/flows/shoes/draft").status_code == 403
    assert post(client, "publish", NARROWED, token_from="/admin/")[0] == 403
    assert (flows_dir / "shoes.yaml").read_text() == LIVE


def test_the_draft_file_is_the_starting_text(client: FlaskClient, session: Session, site: Site,
                                             flows_dir: Path) -> None:
    setup(client, session, site, flows_dir)
    (flows_dir / "shoes.draft.yaml").write_text(NARROWED)
    assert "draft waiting" in client.get("/admin/flows").get_data(as_text=True)
    page = client.get("/admin/flows/shoes/draft").get_data(as_text=True)
    assert "comes from the draft file" in page and "filter: {terrain: [trail]}" in page
    assert client.get("/admin/flows/nope/draft").status_code == 404
    assert post(client, "publish", NARROWED)[0] == 302
    assert not (flows_dir / "shoes.draft.yaml").exists()


def test_the_admin_replays_the_most_common_answers_and_says_how_many_it_left_out(
        client: FlaskClient, session: Session, site: Site, flows_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flow_drafts, "ADMIN_SETS", 2)
    setup(client, session, site, flows_dir)
    status, page = post(client, "replay", NARROWED)
    assert status == 200 and "7 recorded sessions" in page  # the two commonest lists: 4 road + 3 trail, dark
    assert "2 more session(s) with rarer answers were not replayed here" in page


def test_a_browsers_crlf_text_is_published_with_the_files_lf(client: FlaskClient, session: Session, site: Site,
                                                             flows_dir: Path) -> None:
    setup(client, session, site, flows_dir)
    assert post(client, "publish", NARROWED.replace("\n", "\r\n"))[0] == 302
    assert (flows_dir / "shoes.yaml").read_bytes() == NARROWED.encode()
    assert "changed outside the admin" not in client.get("/admin/flows/shoes").get_data(as_text=True)
