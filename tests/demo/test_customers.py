"""The demo's order history: imported through the history import, every RFM segment shown, added once."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, func, select

from assistant import migrate
from assistant.db import make_engine
from assistant.demo.build import build_demo
from assistant.demo.customers import CUSTOMERS, demo_customers_file, seed_customers
from assistant.demo.history import seed_history
from assistant.insight.models import CustomerFigure
from assistant.insight.nightly import churn_scorer, compute_site_figures
from assistant.insight.rfm_segments import default_path, load_segments
from assistant.timeutil import utcnow
from assistant.tracking.models import Customer, ShopOrder


def test_the_demo_history_gives_every_segment_and_is_added_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"  # the demo's own database, as `make demo` builds it
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            _check_the_demo_history(session)
    finally:
        engine.dispose()


def _check_the_demo_history(session: Session) -> None:
    now = utcnow()
    site = build_demo(session=session, origins=["http://127.0.0.1:5000"])
    seed_history(session=session, site=site, now=now)
    report = seed_customers(session=session, site=site, now=now)
    assert (report.customers_created, report.skipped, report.anonymous) == (CUSTOMERS, {}, 0)
    assert report.stored > 3 * CUSTOMERS and report.first is not None and report.first < now - timedelta(days=600)

    figures = compute_site_figures(session=session, site=site, now=now, churn_scores=churn_scorer())
    session.commit()
    assert set(figures.segments) == {s.name for s in load_segments(default_path()).segments}
    assert figures.churn_scored and figures.bgnbd is not None
    demo_people = session.exec(select(Customer).where(Customer.site_id == site.id)).all()
    assert all(c.traits["email"] == c.customer_id and c.customer_id.endswith("@example.com") for c in demo_people)
    rows = {f.customer_id: f for f in session.exec(select(CustomerFigure).where(CustomerFigure.site_id == site.id))}
    assert all(c.customer_id in rows for c in demo_people)
    consenting = sum(c.traits.get("email_consent") is True for c in demo_people)
    assert consenting == sum(1 for index in range(CUSTOMERS) if index % 3)  # reminders may go to two in three
    risk = {segment: _mean([f.churn_risk for f in rows.values() if f.segment == segment])
            for segment in ("champions", "at_risk", "lost")}
    assert risk["champions"] < 0.5 < risk["at_risk"] <= risk["lost"]

    orders = session.exec(select(func.count()).select_from(ShopOrder).where(ShopOrder.site_id == site.id)).one()
    again = seed_customers(session=session, site=site, now=now + timedelta(days=3))
    assert (again.stored, again.known, again.customers_created) == (0, report.stored, 0)
    assert session.exec(select(func.count()).select_from(ShopOrder).where(ShopOrder.site_id == site.id)).one() == orders


def test_the_demo_history_file_is_always_the_same(tmp_path: Path) -> None:
    now = datetime(2026, 1, 2, 3, 4, 5).astimezone()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = demo_customers_file(tmp_path / "a", now=now).read_bytes()
    assert first == demo_customers_file(tmp_path / "b", now=now).read_bytes()
    assert first.startswith(b"Name,Email,Accepts Marketing,Currency,")


def _mean(values: list[float | None]) -> float:
    known = [v for v in values if v is not None]
    assert known, "no churn risk in this segment"
    return sum(known) / len(known)
