"""The admin's earnings page: exposed vs control with the lift, the parts, CSVs, the monthly report; roles, input."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import insert, text
from sqlmodel import Session

from assistant.analytics.lift import Moments, mean_lift
from assistant.analytics.models import EarningsGroupDay, EarningsQuizDay, EarningsState, EarningsStripDay
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.admin.test_catalog import as_role, html

TODAY = utcnow().date()


def seed(session: Session, site: Site) -> None:
    """Ten days of aggregates: 190 exposed and 10 control visitor-days a day; a funnel; a strip."""
    rows = []
    for back in range(10):
        day = TODAY - timedelta(days=back)
        # exposed: 19 of 190 visitor-days buy 50.00 each; control: 1 of 10 buys 40.00
        rows.append({"site_id": site.pk, "day": day, "in_control": False, "segment": "", "visitors": 190,
                     "buyers": 19, "orders": 19, "revenue_minor": 95000, "revenue_sq": 19 * 5000.0 ** 2,
                     "order_sq": 19 * 5000.0 ** 2, "attributed_minor": 30000, "view_through_minor": 1000})
        rows.append({"site_id": site.pk, "day": day, "in_control": True, "segment": "", "visitors": 10, "buyers": 1,
                     "orders": 1, "revenue_minor": 4000, "revenue_sq": 4000.0 ** 2, "order_sq": 4000.0 ** 2,
                     "attributed_minor": 0, "view_through_minor": 0})
    session.execute(insert(EarningsGroupDay.__table__), rows)  # type: ignore[attr-defined]
    session.execute(insert(EarningsQuizDay.__table__), [  # type: ignore[attr-defined]
        {"site_id": site.pk, "day": TODAY, "flow_id": "shoes", "stage": stage, "question": q, "quizzes": n,
         "revenue_minor": revenue} for stage, q, n, revenue in
        (("started", "", 100, 0), ("answered", "terrain", 80, 0), ("answered", "budget", 60, 0),
         ("results", "", 55, 0), ("clicked", "", 20, 0), ("added", "", 8, 0), ("bought", "", 4, 24000))])
    session.execute(insert(EarningsStripDay.__table__), [  # type: ignore[attr-defined]
        {"site_id": site.pk, "day": TODAY, "placement": "product", "strategy": "together", "impressions": 1000,
         "clicks": 50, "adds": 10, "orders": 5, "revenue_minor": 30000, "view_through_minor": 0}])
    session.add(EarningsState(site_id=site.pk, first_day=TODAY - timedelta(days=9), last_day=TODAY, version=1))
    session.commit()


def test_the_page_shows_the_lift_with_its_interval_and_the_funnel(client: FlaskClient, session: Session,
                                                                  site: Site) -> None:
    seed(session, site)
    as_role(client, session, "marketer")
    page = html(client.get("/admin/earnings?from=" + (TODAY - timedelta(days=9)).isoformat()))
    assert "only honest measure" in page
    exposed = Moments(1900, 950000, 190 * 5000.0 ** 2)
    control = Moments(100, 40000, 10 * 4000.0 ** 2)
    lift = mean_lift("revenue_per_visitor", exposed, control)
    assert lift.relative.value is not None and lift.relative.low is not None and lift.relative.high is not None
    assert f"{100 * lift.relative.value:+.1f} %" in page  # +25.0 %: 5.00 against 4.00 per visitor-day
    assert f"{100 * lift.relative.low:+.1f} to {100 * lift.relative.high:+.1f} %" in page
    assert "Answered “terrain”" in page and "Answered “budget”" in page
    assert "together" in page and "5.0 %" in page  # the strip's CTR


def test_every_table_has_a_csv_and_the_funnel_keeps_the_question_order(client: FlaskClient, session: Session,
                                                                       site: Site) -> None:
    seed(session, site)
    as_role(client, session, "marketer")
    response = client.get(f"/admin/earnings?format=csv&table=funnel&from={TODAY.isoformat()}")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["step"], r["quizzes"]) for r in rows] == [
        ("Started", "100"), ("Answered “terrain”", "80"), ("Answered “budget”", "60"), ("Saw results", "55"),
        ("Clicked a result", "20"), ("Added to cart", "8"), ("Bought", "4")]
    assert abs(float(rows[1]["drop_off"]) - 0.2) < 1e-9 and rows[0]["drop_off"] == ""
    comparison = list(csv.DictReader(io.StringIO(client.get(
        f"/admin/earnings?format=csv&table=comparison&from={(TODAY - timedelta(days=9)).isoformat()}")
        .get_data(as_text=True))))
    assert [r["metric"] for r in comparison] == ["Revenue per visitor", "Conversion", "Average order value"]
    for table in ("weeks", "days", "paths", "strips", "promotions", "surveys", "segments"):
        assert client.get(f"/admin/earnings?format=csv&table={table}").status_code == 200
    assert client.get("/admin/earnings?format=csv&table=nope").status_code == 404


def test_the_monthly_report_prints_the_month(client: FlaskClient, session: Session, site: Site) -> None:
    seed(session, site)
    as_role(client, session, "marketer")
    page = html(client.get(f"/admin/earnings/report?month={TODAY:%Y-%m}"))
    assert TODAY.strftime("%B %Y") in page and "data-print" in page and "Quiz “shoes”" in page
    monday = TODAY - timedelta(days=TODAY.weekday())
    assert "Week of" in page and (monday.isoformat() in page or monday < date(TODAY.year, TODAY.month, 1))


def test_bad_ranges_are_400s_and_merchandisers_are_not_shown_it(client: FlaskClient, session: Session,
                                                              site: Site) -> None:
    as_role(client, session, "marketer")
    assert client.get("/admin/earnings?from=2026-13-01").status_code == 400
    assert client.get("/admin/earnings?from=2026-11-30&to=2026-11-01").status_code == 400
    assert client.get("/admin/earnings?month=2026-1").status_code == 400
    assert client.get("/admin/earnings/report?month=nope").status_code == 400
    assert client.get("/admin/earnings?from=2020-01-01&to=2026-01-01").status_code == 400
    page = html(client.get("/admin/earnings"))
    assert "No earnings figures yet" in page
    client.post("/admin/logout")
    as_role(client, session, "merchandiser")
    assert client.get("/admin/earnings").status_code == 403


def test_a_new_nightly_run_shows_at_once_though_the_figures_are_kept(client: FlaskClient, session: Session,
                                                                     site: Site) -> None:
    seed(session, site)
    as_role(client, session, "marketer")
    assert "1,900 and 100 visitor-days" in html(client.get("/admin/earnings"))
    session.execute(text("UPDATE earnings_group_day SET visitors = visitors + 1 WHERE site_id = :s"), {"s": site.pk})
    session.commit()
    assert "1,900 and 100 visitor-days" in html(client.get("/admin/earnings"))  # kept: the job has not run
    session.execute(text("UPDATE earnings_state SET version = version + 1 WHERE site_id = :s"), {"s": site.pk})
    session.commit()
    assert "1,910 and 110 visitor-days" in html(client.get("/admin/earnings"))
