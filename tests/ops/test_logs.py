"""Request ids: the answer, the app's log lines and gunicorn's access line share one; a forged one is replaced;
JSON lines in production, text logging as before in development."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assistant.flows.registry import RESCAN_SECONDS
from assistant.logs import JsonFormatter
from assistant.sites.models import Site
from tests.ops.served_shop import Shop, call, served_shop, wait_for

FRESH = re.compile(r"[0-9a-f]{32}")
FORGED = ["x" * 65, "abc def", 'a"b', "caf\u00e9", "a/b", "id;drop"]


def lines_with(shop: Shop, request_id: str) -> list[dict[str, object]]:
    return [line for line in shop.log_lines() if line.get("request_id") == request_id]


def test_one_id_in_the_answer_the_app_line_and_the_access_line(tmp_path: Path) -> None:
    with served_shop(tmp_path, ASSISTANT_RELOAD_FLOWS="on") as shop:
        time.sleep(RESCAN_SECONDS + 0.1)
        (tmp_path / "flows" / "broken.yaml").write_text("id: broken\nquestions: [\n")  # logged when next rescanned
        time.sleep(RESCAN_SECONDS + 0.1)
        status, headers, _ = call(f"{shop.base}/api/v1/flows?site={shop.key}", headers={"X-Request-Id": "req-1.A_b"})
        assert (status, headers["X-Request-Id"]) == (200, "req-1.A_b")
        wait_for(lambda: any(line["logger"] == "gunicorn.access" for line in lines_with(shop, "req-1.A_b")),
                 "the access line")
        found = lines_with(shop, "req-1.A_b")
        app = [line for line in found if str(line["logger"]).startswith("assistant.")]
        assert app and app[0]["level"] == "error" and "broken.yaml" in str(app[0]["message"])
        assert (app[0]["method"], app[0]["path"]) == ("GET", "/api/v1/flows")
        (access,) = [line for line in found if line["logger"] == "gunicorn.access"]
        assert (access["method"], access["path"], access["status"]) == ("GET", "/api/v1/flows", 200)
        assert float(str(access["duration_ms"])) > 0 and "time" in access and "message" in access

        for forged in FORGED:
            status, headers, _ = call(f"{shop.base}/healthz", headers={"X-Request-Id": forged})
            given = headers["X-Request-Id"]
            assert status == 200 and FRESH.fullmatch(given), (forged, given)
            wait_for(lambda given=given: lines_with(shop, given), f"the access line of {given}")
        assert not [line for line in shop.log.read_text().splitlines() if "x" * 65 in line]
        bad = [line for line in shop.log.read_text().splitlines() if line.strip() and not line.startswith("{")]
        assert not bad, bad  # every line JSON, gunicorn's own included


def test_text_logs_put_the_id_at_the_end_of_the_access_line(tmp_path: Path) -> None:
    with served_shop(tmp_path, ASSISTANT_LOG_FORMAT="text") as shop:
        status, headers, _ = call(f"{shop.base}/healthz", headers={"X-Request-Id": "text-id-7"})
        assert (status, headers["X-Request-Id"]) == (200, "text-id-7")
        access = re.compile(r'"GET /healthz HTTP/1\.1" 200 \d+ "-" "[^"]*" text-id-7$', re.M)
        wait_for(lambda: access.search(shop.log.read_text()), "the access line")
        assert not [line for line in shop.log.read_text().splitlines() if line.startswith("{")]


@pytest.mark.parametrize("given", ["a" * 64, "0", "A.b_c-9"])
def test_a_well_formed_id_is_kept(client: FlaskClient, given: str) -> None:
    assert client.get("/healthz", headers={"X-Request-Id": given}).headers["X-Request-Id"] == given


@pytest.mark.parametrize("forged", [*FORGED, ""])
def test_a_forged_id_is_replaced(client: FlaskClient, forged: str) -> None:
    given = client.get("/healthz", headers={"X-Request-Id": forged}).headers["X-Request-Id"]
    assert FRESH.fullmatch(given)


def test_every_answer_has_its_own_id_and_errors_too(client: FlaskClient) -> None:
    ids = {client.get(path).headers["X-Request-Id"] for path in ("/healthz", "/healthz", "/nothing/here")}
    assert len(ids) == 3


def test_the_widget_may_read_the_id(client: FlaskClient, site: Site) -> None:
    answer = client.get(f"/api/v1/flows?site={site.key}", headers={"Origin": "https://shop.example"})
    exposed = [part.strip() for part in answer.headers["Access-Control-Expose-Headers"].split(",")]
    assert "X-Request-Id" in exposed and "Retry-After" in exposed


def test_a_json_line_carries_the_request_and_the_exception(app: Flask) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("assistant.test_logs")
    logger.addHandler(handler)
    try:
        with app.test_request_context("/api/v1/events", method="POST", headers={"X-Request-Id": "r-9"}):
            try:
                raise ValueError("boom")
            except ValueError:
                logger.exception("it failed: %s", "really")
        logger.warning("outside a request")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: inside[k] for k in ("level", "logger", "message", "request_id", "method", "path")} == {
        "level": "error", "logger": "assistant.test_logs", "message": "it failed: really", "request_id": "r-9",
        "method": "POST", "path": "/api/v1/events"}
    assert "ValueError: boom" in inside["exception"]
    assert set(outside) == {"time", "level", "logger", "message"}


def test_an_unexpected_error_names_the_request_id_of_its_answer_and_log_line(
        client: FlaskClient, site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("assistant.api.flows.site_flows", fail)
    answer = client.get(f"/api/v1/flows?site={site.key}", headers={"X-Request-Id": "bug-report-1"})
    assert answer.status_code == 500 and answer.headers["X-Request-Id"] == "bug-report-1"
    assert "(request id bug-report-1)" in answer.get_json()["error"]["message"]
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "unexpected error, request id bug-report-1"]
