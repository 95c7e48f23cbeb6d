"""The demo's 90 days with a control group: the share, a modest lift the dashboard can tell, quizzes, added once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from assistant import migrate
from assistant.analytics.aggregates import compute_earnings
from assistant.analytics.earnings import earnings_overview
from assistant.analytics.path_outcomes import site_judge
from assistant.config import Settings
from assistant.db import make_engine
from assistant.demo.build import build_demo
from assistant.demo.campaigns import seed_campaigns
from assistant.demo.earnings_history import CONTROL_SHARE, DAYS, in_control, seed_demo_earnings
from assistant.timeutil import utcnow


def test_the_demo_history_shows_a_modest_lift_against_its_control_group(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    now = utcnow()
    flows = Settings.from_env().flows_dir
    try:
        with Session(engine, expire_on_commit=False) as session:
            site = build_demo(session=session, origins=["http://127.0.0.1:5000"])
            seed_campaigns(session=session, site=site)
            session.commit()
            written = seed_demo_earnings(session=session, site=site, now=now, flows_dir=flows)
            session.commit()
            assert written > 100_000
            assert seed_demo_earnings(session=session, site=site, now=now, flows_dir=flows) == 0  # added once
            groups = dict(session.execute(text("SELECT in_control, COUNT(*) FROM visitor GROUP BY in_control")).all())
            assert abs(groups[1] / (groups[0] + groups[1]) - CONTROL_SHARE) < 0.02
            anon = session.execute(text("SELECT anon_id, in_control FROM visitor LIMIT 50")).all()
            assert all(bool(c) == in_control(site.key, a, CONTROL_SHARE) for a, c in anon)
            assert not session.execute(text(  # the control group saw nothing of the assistant
                "SELECT COUNT(*) FROM event e JOIN visitor v ON v.id = e.visitor_id WHERE v.in_control AND e.type IN "
                "('rec_impression', 'rec_click', 'quiz_start', 'promo_impression', 'promo_click')")).scalar()
            compute_earnings(session=session, site=site, now=now, days=DAYS + 1,
                             judge=site_judge(session=session, site=site, flows_dir=flows))
            session.commit()
            o = earnings_overview(session=session, site=site, first=now.date() - timedelta(days=DAYS),
                                  last=now.date())
    finally:
        engine.dispose()
    assert o.conversion is not None and o.revenue_per_visitor is not None
    lift = o.conversion.relative.value
    assert lift is not None and 0.05 < lift < 0.45, lift  # modest: not nothing, not a miracle
    assert o.control.visitors > 1000 and o.control.orders > 50
    assert {f["flow"] for f in o.funnels} == {"running-shoes", "backpacks", "rain-jackets"}
    assert all(f["steps"][-1]["quizzes"] > 0 for f in o.funnels)  # some quizzes end in a purchase
    assert sum(p["relaxed"] for p in o.paths) > 0  # told by the engine over the demo catalog
    assert o.attributed["strips"] > 0 and o.attributed["promotions"] > 0 and o.surveys
