"""/metrics: latency per endpoint, status classes and events counted across gunicorn workers (a killed one's kept),
bundle age and outbox depth read at scrape time, and who may read it."""

from __future__ import annotations

import dataclasses
import os
import signal
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from assistant import metrics
from assistant.recommend.training import train_site
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.baskets.messages_helpers import make_basket, make_message
from tests.factories import make_product
from tests.ops.served_shop import Shop, call, send_batches, served_shop, wait_for

EVENTS = {"endpoint": "api.events", "method": "POST"}


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape by name and labels."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def scrape(shop: Shop) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    status, _, body = call(f"{shop.base}/metrics")
    assert status == 200, body
    return samples(body)


def ingest_figures(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> tuple[float, ...]:
    return (value(scraped, "assistant_request_seconds_count", **EVENTS),
            value(scraped, "assistant_responses_total", **EVENTS, status="2xx"),
            value(scraped, "assistant_events_stored_total"), value(scraped, "assistant_events_rejected_total"))


def event_pids(shop: Shop) -> set[int]:
    """The workers that answered event batches (the pid of each JSON access line)."""
    return {line["pid"] for line in shop.log_lines() if line.get("logger") == "gunicorn.access"
            and line.get("path") == "/api/v1/events"}


def test_workers_counts_add_up_and_survive_a_killed_worker(tmp_path: Path) -> None:
    with served_shop(tmp_path) as shop:  # PROMETHEUS_MULTIPROC_DIR left unset: gunicorn_conf makes the folder
        before = ingest_figures(scrape(shop))
        sent = 0
        while len(event_pids(shop)) < 2:
            assert sent < 200, f"one worker took every batch: {event_pids(shop)}"
            assert set(send_batches(shop, 20, valid=4, invalid=1)) == {200}
            sent += 20
        after = ingest_figures(scrape(shop))
        assert [b - a for a, b in zip(before, after, strict=True)] == [sent, sent, 4 * sent, sent]
        scraped = scrape(shop)
        assert value(scraped, "assistant_request_seconds_bucket", **EVENTS, le="+Inf") == after[0]
        assert 0 < value(scraped, "assistant_request_seconds_sum", **EVENTS) < 60 * sent

        victim = min(event_pids(shop))
        booted = shop.log.read_text().count("Booting worker")
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: shop.log.read_text().count("Booting worker") > booted, "a new worker")
        assert ingest_figures(scrape(shop)) == after  # the killed worker's counts and the other's, all kept
        assert set(send_batches(shop, 10, valid=2, invalid=0)) == {200}
        last = ingest_figures(scrape(shop))
        assert [b - a for a, b in zip(after, last, strict=True)] == [10, 10, 20, 0]


def test_the_endpoint_labels_the_rule_not_the_path(client: FlaskClient, site: Site) -> None:
    for flow in ("first-flow", "second-flow", "x" * 40):
        assert client.get(f"/api/v1/flows/{flow}?site={site.key}").status_code == 404
    client.get("/no/such/page/at/all")
    text = client.get("/metrics").text
    assert 'endpoint="api.show_flow"' in text and 'endpoint="unmatched"' in text
    assert "first-flow" not in text and "/no/such" not in text


def test_an_unknown_method_is_counted_as_other(client: FlaskClient) -> None:
    client.open("/healthz", method="BREW")
    assert 'endpoint="unmatched",method="other"' in client.get("/metrics").text


def test_outbox_depth_and_bundle_age_are_read_when_scraped(app: Flask, client: FlaskClient, session: Session,
                                                             site: Site, tmp_path: Path) -> None:
    for n in range(3):
        make_product(session, site, title=f"Trail shoe {n}", categories="Shoes")
    app.extensions["assistant"]["models"].root = tmp_path / "models"
    train_site(session=session, site=site, root=tmp_path / "models", now=utcnow() - timedelta(hours=1))
    session.commit()
    app.extensions["assistant"]["models"].bundle(site.key)  # what a strip request does first
    _outbox(session, site, pending=3, dead=2, sent=4)
    scraped = samples(client.get("/metrics").text)
    assert [value(scraped, "assistant_outbox_messages", status=s) for s in ("pending", "sending", "dead")] == [3, 0, 2]
    assert 3600 <= value(scraped, "assistant_bundle_age_seconds", site=site.key) < 3600 + 120


def _outbox(session: Session, site: Site, **counts: int) -> None:
    """Messages in the outbox by status, one basket each."""
    for status, count in counts.items():
        for _ in range(count):
            make_message(session, make_basket(session, site), status=status)


def test_metrics_answer_loopback_only_without_a_token(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403  # via nginx


def test_metrics_ask_for_the_token_when_one_is_set(app: Flask) -> None:
    settings = app.extensions["assistant"]["settings"]
    app.extensions["assistant"]["settings"] = dataclasses.replace(settings, metrics_token="s3cret")
    client = app.test_client()
    away = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics").status_code == 401  # loopback too: the token is the rule then
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}, environ_base=away).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret"}, environ_base=away)
    assert answer.status_code == 200 and "assistant_request_seconds" in answer.text


def test_an_ingested_batch_counts_stored_duplicate_and_rejected_events(client: FlaskClient, site: Site) -> None:
    before = [metrics.EVENTS_STORED._value.get(), metrics.EVENTS_DUPLICATE._value.get(),
              metrics.EVENTS_REJECTED._value.get()]
    events = [{"id": "evt-metrics-1", "type": "page_view", "page": "/"},
              {"id": "evt-metrics-2", "type": "page_view", "page": "/a"},
              {"id": "evt-metrics-3", "type": "nonsense"}]
    headers = {"Origin": "https://shop.example"}
    for _ in range(2):
        client.post(f"/api/v1/events?site={site.key}", json={"visitor": "v-metrics-0001", "events": events},
                    headers=headers)
    after = [metrics.EVENTS_STORED._value.get(), metrics.EVENTS_DUPLICATE._value.get(),
             metrics.EVENTS_REJECTED._value.get()]
    assert [b - a for a, b in zip(before, after, strict=True)] == [2, 2, 2]
