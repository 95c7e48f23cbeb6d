"""Replaying recorded quiz sessions against a draft: a narrowed filter, on stored rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from assistant.catalog.index import build_index
from assistant.flows.quiz_store import insert_quiz
from assistant.flows.replay import recorded_answers, replay_sessions
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.factories import flow_yaml, load_flow, make_product

LIVE = flow_yaml("""
    id: shoes
    title: Find your shoe
    questions:
      - id: terrain
        text: Where do you run?
        type: single
        answers:
          - {id: road, text: Road, filter: {terrain: [road, mixed]}}
          - {id: trail, text: Trail, filter: {terrain: [trail, mixed]}}
      - id: colour
        text: Which colour?
        type: single
        answers:
          - {id: dark, text: Dark, filter: {colour: [black]}}
          - {id: bright, text: Bright, filter: {colour: [red, yellow]}}
      - id: budget
        text: Budget?
        type: range
        field: price
        min: 0
        max: 300
    """)
NARROWED = LIVE.replace("filter: {terrain: [trail, mixed]}", "filter: {terrain: [trail]}")
ALL = [0.0, 300.0]


def record(session: Session, site: Site, answers: list[list[object]], times: int = 1, *, days_ago: int = 0,
           flow_id: str = "shoes") -> None:
    sql = RawSQL(session)
    for _ in range(times):
        quiz = insert_quiz(sql, site_id=site.pk, flow_id=flow_id, visitor_id=None, page="/", answers=answers)
        if days_ago:
            sql.run("UPDATE quiz_session SET updated_at = ? WHERE id = ?",
                    (sql.time(utcnow() - timedelta(days=days_ago)), quiz.id))
    session.commit()


@pytest.fixture
def shop(session: Session, site: Site) -> Site:
    return stock_shop(session, site)


def stock_shop(session: Session, site: Site) -> Site:
    """Four shoes and the recorded sessions of flow 'shoes' (9 in the last 30 days), and some to leave out."""
    for sku, terrain, colour, price in [("r1", "road", "black", "50"), ("r2", "road", "red", "80"),
                                        ("m1", "mixed", "black", "120"), ("t1", "trail", "yellow", "60")]:
        make_product(session, site, sku=sku, price=price, attributes={"terrain": terrain, "colour": colour})
    record(session, site, [["terrain", "road"], ["colour", "dark"], ["budget", ALL]], 4)
    record(session, site, [["terrain", "trail"], ["colour", "dark"], ["budget", ALL]], 3)
    record(session, site, [["terrain", "trail"], ["colour", "bright"], ["budget", ALL]], 2)
    record(session, site, [["terrain", "trail"], ["colour", "dark"], ["budget", ALL]], 5, days_ago=40)  # too old
    record(session, site, [["terrain", "trail"]], 6, flow_id="other")  # another flow
    record(session, site, [], 7)  # opened, never answered
    return site


def test_a_narrowed_filter_changes_the_sessions_it_empties_and_no_other(session: Session, shop: Site) -> None:
    recorded = recorded_answers(RawSQL(session), site_id=shop.pk, flow_id="shoes", days=30)
    index = build_index(session.connection(), shop.pk)
    report = replay_sessions(load_flow(LIVE), load_flow(NARROWED), recorded, index, days=30)
    assert (report.sessions, report.answer_sets, report.ranked_before, report.ranked_after) == (9, 3, 3, 3)
    assert (report.changed, report.reordered) == (3, 0)  # trail + dark: only the mixed shoe m1 met it
    assert [(p.label, p.sessions, p.mean_before(), p.mean_after()) for p in report.newly_empty()] == [
        ("terrain=trail > colour=dark", 3, 1.0, 0.0)]
    assert (report.zero_before, report.zero_after, report.relaxed_before, report.relaxed_after) == (0, 0, 0, 3)
    assert report.gains() == [("t1", 2, 5)]  # colour relaxed: the trail shoe instead
    assert report.losses() == [("m1", 7, 4)]


def test_the_same_flow_changes_nothing(session: Session, shop: Site) -> None:
    recorded = recorded_answers(RawSQL(session), site_id=shop.pk, flow_id="shoes", days=90)
    index = build_index(session.connection(), shop.pk)
    report = replay_sessions(load_flow(LIVE), load_flow(LIVE), recorded, index, days=90)
    assert (report.sessions, report.changed, report.reordered, report.newly_empty()) == (14, 0, 0, [])
    assert report.gains() == report.losses() == []


def test_a_dropped_answer_cuts_the_sessions_that_gave_it(session: Session, shop: Site) -> None:
    draft = LIVE.replace("      - {id: bright, text: Bright, filter: {colour: [red, yellow]}}\n", "")
    assert draft != LIVE
    recorded = recorded_answers(RawSQL(session), site_id=shop.pk, flow_id="shoes", days=30)
    report = replay_sessions(load_flow(LIVE), load_flow(draft), recorded, build_index(session.connection(), shop.pk))
    bright = report.paths["terrain=trail > colour=bright"]
    assert (bright.sessions, bright.changed, bright.mean_before(), bright.mean_after()) == (2, 2, 1.0, 2.0)
