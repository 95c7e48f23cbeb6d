"""Values no database can store, and bodies no parser should choke on: a 4xx naming the field, never a 500.

One rule (assistant/storable.py), applied once per layer: request_text (path, query, headers, forms),
api/body.json_body (JSON bodies), and the event shapes (one bad event is refused alone, its batch stored).
Every case runs on SQLite and PostgreSQL (PostgreSQL text cannot hold a NUL; SQLite stored it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from gunicorn.http.errors import InvalidChunkSize
from sqlmodel import Session, select

from assistant.sites.models import Site
from assistant.tracking.models import Event
from tests.admin.test_auth import csrf, log_in
from tests.factories import make_user
from tests.tracking.test_events_api import CHROME, event, send

NUL, CUT = "a\u0000b", "\ud83d"  # CUT: an emoji cut in half by shop code


def send_text(client: FlaskClient, text: str) -> Any:
    return client.post("/api/v1/events?site=pk_test", data=text, content_type="text/plain",
                       headers={"User-Agent": CHROME})


def stored_ids(session: Session) -> list[str]:
    session.expire_all()
    return sorted(session.exec(select(Event.client_id)))


@pytest.mark.parametrize(("bad", "field"), [
    (event(1, "search", query=NUL), "events[0].query"),
    (event(1, page="/demo/" + NUL), "events[0].page"),
    (event(1, "product_view", sku=NUL), "events[0].sku"),
    (event(1, "add_to_cart", sku="rs-1\u0000"), "events[0].sku"),
    (event(1, "custom", name="x", props={"a": NUL}), "events[0].props.a"),
    (event(1, "custom", name="x", props={NUL: 1}), "events[0].props"),
    (event(1, "identify", customer_id=NUL), "events[0].customer_id"),
    (event(1, "custom", name="x", props={"a": "ok" + CUT}), "events[0].props.a"),
    (event(1, "identify", customer_id="c-1", traits={"name": CUT}), "events[0].traits.name"),
    (event(1, "quiz_answer", flow="shoes", quiz="q1", question="size", value=["ok", CUT]), "events[0].value[1]"),
    (event(1, "identify", customer_id="c-1", traits={"n": float("nan")}), "events[0].traits.n"),
    (event(1, "identify", customer_id="c-1", traits={"n": float("inf")}), "events[0].traits.n"),
    (event(1, "custom", name="x", props={"n": float("-inf")}), "events[0].props.n"),
    (event(1, "quiz_answer", flow="shoes", quiz="q1", value=float("nan")), "events[0].value"),
    (event(1, "quiz_answer", flow="shoes", quiz="q1", value=json.loads("[" * 40 + "]" * 40)),
     "events[0].value" + "[0]" * 32),
])
def test_an_unstorable_value_refuses_its_event_and_stores_the_rest(
        client: FlaskClient, session: Session, site: Site, bad: dict[str, Any], field: str) -> None:
    text = json.dumps({"visitor": "visitor-0001", "events": [bad, event(2), event(3, "search", query="ok")]})
    response = send_text(client, text)  # json.dumps writes NaN and Infinity, as a hostile script may
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["accepted"], [(r["index"], r["field"]) for r in body["rejected"]]) == (2, [(0, field)])
    assert stored_ids(session) == ["evt-00002", "evt-00003"]


@pytest.mark.parametrize("where", ["page", "query", "sku", "props", "value"])
def test_a_surrogate_sent_as_raw_utf8_bytes_refuses_its_event(client: FlaskClient, session: Session, site: Site,
                                                              where: str) -> None:
    """Not the \\ud83d escape but its three bytes (ED A0 BD): Python's json reads them back as the surrogate, so the
    ingest's clean-text shortcut must not take such a body for clean. Typed strings are refused by pydantic anyway
    (with a vaguer reason); a quiz answer's value is any JSON, so only the check catches it there."""
    bad = {"page": event(1, page="/p/" + CUT), "query": event(1, "search", query="shoe" + CUT),
           "sku": event(1, "product_view", sku="rs-1" + CUT), "props": event(1, "custom", name="x", props={"a": CUT}),
           "value": event(1, "quiz_answer", flow="shoes", quiz="q1", question="size", value="ok" + CUT)}[where]
    text = json.dumps({"visitor": "visitor-0001", "events": [bad, event(2)]}, ensure_ascii=False)
    response = client.post("/api/v1/events?site=pk_test", data=text.encode("utf-8", "surrogatepass"),
                           content_type="text/plain", headers={"User-Agent": CHROME})
    body = response.get_json()
    assert response.status_code == 200, body
    assert [r["field"] for r in body["rejected"]] == [f"events[0].{'props.a' if where == 'props' else where}"]
    assert stored_ids(session) == ["evt-00002"]


def test_a_number_too_large_for_a_float_refuses_its_event(client: FlaskClient, session: Session, site: Site) -> None:
    text = json.dumps({"visitor": "visitor-0001", "events": [event(1, "custom", name="x", props={"n": 0}), event(2)]})
    response = send_text(client, text.replace('"n": 0', '"n": 1e309'))
    assert [r["field"] for r in response.get_json()["rejected"]] == ["events[0].props.n"]
    assert stored_ids(session) == ["evt-00002"]


def test_a_batch_of_only_bad_events_is_a_400_list(client: FlaskClient, site: Site) -> None:
    response = send(client, {"visitor": "visitor-0001", "events": [event(1, "search", query=NUL)]})
    assert response.status_code == 400
    assert response.get_json()["rejected"][0]["reason"] == "must not contain a NUL character (\\u0000)"


@pytest.mark.parametrize(("text", "field"), [
    ("[" * 1000 + "]" * 1000, "body"),
    ('{"visitor": "visitor-0001", "events": ' + "[" * 5000 + "]" * 5000 + "}", "body"),
    ('{"visitor": "visitor-0001", "events": [' + "1" * 5000 + "]}", "body"),
])
def test_bodies_the_parser_cannot_take_are_a_400(client: FlaskClient, site: Site, text: str, field: str) -> None:
    response = send_text(client, text)
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, field)


@pytest.mark.parametrize(("body", "field"), [
    ('{"flow": "a\\u0000b"}', "flow"),
    ('{"flow": "shoes", "visitor": "\\ud83d-visitor"}', "visitor"),
    ('{"flow": "shoes", "page": "/x", "extra": {"deep": [NaN]}}', "extra.deep[0]"),
    ('{"flow": "shoes", "extra": {"deep": [1e309]}}', "extra.deep[0]"),
    ('{"flow": "shoes", "extra": ' + "[" * 1000 + "]" * 1000 + "}", "body"),
    ('{"flow": "shoes", "extra": ' + "[" * 40 + "]" * 40 + "}", "extra" + "[0]" * 31),
])
def test_a_quiz_body_with_an_unstorable_value_is_a_400_naming_it(client: FlaskClient, site: Site, body: str,
                                                                 field: str) -> None:
    response = client.post("/api/v1/quiz?site=pk_test", data=body, content_type="application/json")
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, field)


def test_a_quiz_answer_with_a_cut_emoji_is_a_400(client: FlaskClient, site: Site) -> None:
    response = client.post("/api/v1/quiz/" + "a" * 32 + "/answers?site=pk_test",
                           data='{"question": "size", "value": ["\\ud83d"]}', content_type="application/json")
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, "value[0]")


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/flows?site=%00", "site"),
    ("/api/v1/recommendations?site=pk_test&placement=home&visitor=visitor%0001", "visitor"),
    ("/api/v1/promotions?site=pk_test&placement=cart&visitor=visitor-0001&page=/a%00", "page"),
    ("/api/v1/quiz/%00?site=pk_test", "quiz_id"),
    ("/api/v1/flows?site=pk_test&a%00=1", "query"),
])
def test_a_nul_in_an_api_url_is_a_json_400_naming_it(client: FlaskClient, site: Site, url: str, field: str) -> None:
    response = client.get(url)
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, field)


@pytest.mark.parametrize("url", ["/demo/product/%00", "/demo/search?q=a%00b", "/demo/category/x%00",
                                 "/demo/img/%00.svg", "/static/widget/%00.js", "/admin/flows/%00"])
def test_a_nul_in_any_other_url_is_a_400(client: FlaskClient, site: Site, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_the_demo_answers_a_bad_link_with_a_shop_page_that_still_tracks(client: FlaskClient, site: Site) -> None:
    page = client.get("/demo/search?q=a%00b").get_data(as_text=True)
    assert "We could not read that link" in page and "widget.js" in page


def test_a_nul_in_a_header_is_a_400(client: FlaskClient, site: Site) -> None:
    response = client.post("/api/v1/events?site=pk_test", data=json.dumps({"visitor": "visitor-0001",
                                                                            "events": [event(1)]}),
                           content_type="text/plain", headers={"User-Agent": "Mozilla/5.0 \u0000"})
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, "User-Agent")


def test_headers_are_named_one_by_one_only_past_the_quick_scan(client: FlaskClient, site: Site) -> None:
    """The quick scan (ASCII, no NUL) lets plain headers through; anything else is checked header by header, so a
    Latin-1 letter passes and a lone surrogate (a WSGI server that decoded oddly) is named."""
    url = "/api/v1/flows?site=pk_test"
    assert client.get(url, headers={"X-Note": "caf\u00e9"}).status_code == 200
    response = client.get(url, headers={"X-Note": "half \ud83d"})
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, "X-Note")


def test_a_nul_in_an_admin_form_is_a_400_before_the_login_is_tried(client: FlaskClient, session: Session,
                                                                    site: Site) -> None:
    make_user(session)
    response = client.post("/admin/login", data={"email": "admin@shop.example\u0000", "password": "x" * 12,
                                                 "csrf_token": csrf(client)})
    assert response.status_code == 400 and response.get_data(as_text=True) == \
        "email: must not contain a NUL character (\\u0000)\n"
    demo = client.post("/demo/cart/add", data={"sku": NUL})
    assert demo.status_code == 400


class BrokenChunks:
    """A request body as gunicorn hands a malformed chunked one to the app: reading it raises its parse error."""

    def read(self, *_args: Any) -> bytes:
        raise InvalidChunkSize(b"zz")

    def readline(self, *_args: Any) -> bytes:
        raise InvalidChunkSize(b"zz")


@pytest.mark.parametrize(("url", "content_type"), [
    ("/api/v1/events?site=pk_test", "text/plain"),
    ("/api/v1/quiz?site=pk_test", "application/json"),
    ("/demo/cart/add", "application/x-www-form-urlencoded"),
    ("/admin/login", "application/x-www-form-urlencoded"),
])
def test_a_malformed_chunked_body_is_a_400(client: FlaskClient, site: Site, url: str, content_type: str) -> None:
    response = client.post(url, content_type=content_type, headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input": BrokenChunks(), "wsgi.input_terminated": True})
    assert response.status_code == 400


@pytest.mark.parametrize("escape", ["\\0", "\\x00"])
def test_a_nul_escaped_in_campaign_yaml_is_a_problem_not_a_500(client: FlaskClient, session: Session, site: Site,
                                                              escape: str) -> None:
    make_user(session)
    log_in(client, "admin@shop.example")
    text = CAMPAIGN_YAML.replace("name: Nudge", f'name: "Nudge{escape}"')
    page = client.post("/admin/campaigns/import", data={"csrf_token": csrf(client, "/admin/"), "yaml": text})
    assert page.status_code == 200 and "must not contain a NUL character" in page.get_data(as_text=True)
    assert client.post("/admin/campaigns/import", data={"csrf_token": csrf(client, "/admin/"),
                                                       "yaml": CAMPAIGN_YAML}).status_code == 302  # the file is good


CAMPAIGN_YAML = """\
campaigns:
- name: Nudge
  placement: cart
  variants:
  - key: a
    message: Free shipping over 75 EUR
"""
