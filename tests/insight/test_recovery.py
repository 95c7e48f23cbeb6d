"""The nightly job recovers a known BG/NBD: orders drawn from it, read, summarised and fitted as `assistant train` does.

benchmarks/insight_shop.py draws the buyers of a synthetic shop from `TRUTH` (in days); the job summarises
their orders in whole days and fits in weeks. With 20,000 buyers observed for up to two years, the standard
errors from the observed information at the fit are about 1.4 % of r, 2 % of alpha, 4-5 % of a and 5-6 % of
b (four seeds, computed when this test was written). Merging one customer's purchases of one day into one,
as the job does (the papers' purchase occasion), drops the ~1 % of the simulated continuous-time purchases
that fall on the day of the previous one, mostly by the fastest buyers: that moves the fit by about +2 % in r
and +5 % in alpha (2-3 standard errors). The bounds are therefore 5 % (r), 10 % (alpha) and 20 % (a, b):
about four standard errors beside that known shift (seed 3: r 0.718, alpha 6.07 weeks against 5.71, a 0.804,
b 3.09). The generator that let buyers leave before their first repeat purchase gave r 0.398 here; a
likelihood with B(a+1, b+x) for B(a+1, b+x-1) in its drop-out term gave b 3.87: both fail.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from assistant.insight.nightly import compute_site_figures
from assistant.sites.models import Site
from benchmarks.insight_shop import TRUTH, ShopSize, write_shop

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
DAYS_PER_WEEK = 7.0


def test_the_nightly_fit_recovers_the_bgnbd_the_orders_were_drawn_from(session: Session, site: Site) -> None:
    write_shop(session=session, site=site, size=ShopSize(customers=20_000, events=0, anonymous_share=0.0,
                                                         second_device_share=0.0), now=NOW, seed=3)
    session.commit()
    report = compute_site_figures(session=session, site=site, now=NOW)
    fitted = report.bgnbd
    assert fitted is not None, report.notes
    assert report.customers == 20_000
    assert fitted.r == pytest.approx(TRUTH.r, rel=0.05)
    assert fitted.alpha == pytest.approx(TRUTH.alpha / DAYS_PER_WEEK, rel=0.10)
    assert fitted.a == pytest.approx(TRUTH.a, rel=0.20)
    assert fitted.b == pytest.approx(TRUTH.b, rel=0.20)
