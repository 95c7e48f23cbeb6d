"""benchmarks/dashboard.py at a small size: its data make every part of the dashboard, and the job reads them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from assistant.analytics.earnings import earnings_overview
from assistant.db import make_engine
from assistant.sites.service import get_site_by_key
from assistant.timeutil import utcnow
from benchmarks.common import database
from benchmarks.dashboard import generate, nightly


def test_the_benchmark_data_fill_every_part_of_the_dashboard(tmp_path: Path) -> None:
    now = utcnow()
    with database("sqlite", tmp_path) as url:
        assert generate(url, 20_000, now) >= 20_000
        full, last3, read = nightly(url, now)
        assert full > 0 and last3 > 0 and read > 0
        engine = make_engine(url)
        with Session(engine) as session:
            site = get_site_by_key(session=session, key="pk_bench")
            o = earnings_overview(session=session, site=site, first=now.date() - timedelta(days=89), last=now.date())
        engine.dispose()
    assert 0.05 < o.control.visitors / (o.control.visitors + o.exposed.visitors) < 0.15
    assert o.exposed.orders and o.control.orders and o.strips and o.promotions and o.funnels and o.paths
    assert any(p["zero_results"] for p in o.paths)
