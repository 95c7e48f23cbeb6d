"""Survey results on 100,000 responses: the list line, the four breakdowns, a comments page and the themes.

    .venv/bin/python -m benchmarks.survey_results [--responses 100000] [--postgres URL]

Seeds one NPS survey's responses over twelve weeks (segments, pages, devices; a third with a comment drawn
from a few themes whose scores lean low or high) and three `survey_shown` events per response, then times
what /admin/surveys/<id> asks of surveys.results, best of three. The themes are timed once (first view)
since the admin keeps them per newest response.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from assistant import migrate
from assistant.db import make_engine, session_scope
from assistant.sites.models import Site
from assistant.sites.service import create_site
from assistant.surveys import results
from assistant.surveys.models import SurveyResponse
from assistant.timeutil import utcnow
from assistant.tracking.models import Event

SEGMENTS = ("champions", "loyal", "potential_loyalists", "need_attention", "at_risk", "lost")
PAGES = ("/checkout/thank-you", "/account/orders", "/quiz/running-shoes")
THEMES: list[tuple[tuple[int, int], list[str]]] = [
    ((0, 6), ["Delivery took two weeks, far too slow", "The parcel arrived late and the box was damaged",
              "Shipping was slow and tracking never updated", "Late delivery, I had to call twice"]),
    ((0, 7), ["The size chart is wrong, the shoes run small", "Had to return them, the sizes are off",
              "Ordered my usual size but it was too tight"]),
    ((5, 8), ["Prices are a bit high compared with other shops", "Good products but shipping costs too much"]),
    ((9, 10), ["Great fit and very comfortable on long runs", "Lovely fabric, fits perfectly",
               "Comfortable shoes, great cushioning"]),
    ((8, 10), ["Friendly customer service, they answered within an hour", "Support helped me exchange the size quickly",
               "The quiz found the right shoe for me in a minute"]),
]


def seed_responses(session: Session, site: Site, n: int, *, survey_id: str = "post-purchase-nps",
                   now: datetime | None = None, weeks: int = 12, shown_per_response: float = 3.0,
                   seed: int = 7) -> None:
    """`n` NPS responses of `survey_id` over the last `weeks` weeks, about one in three with a comment, and the
    `survey_shown` events that led to them, inserted in batches of 5,000."""
    rng, now = random.Random(seed), now or utcnow()
    rows: list[dict[str, Any]] = []
    for i in range(n):
        at = now - timedelta(seconds=rng.uniform(0, weeks * 7 * 86400))
        segment = rng.choice(SEGMENTS)
        lean = SEGMENTS.index(segment) / len(SEGMENTS)   # champions happier than the lost
        weights = [1 + 2 * lean] * 7 + [2, 3, 3 - 2 * lean, 3 - 2 * lean]
        score, comment = rng.choices(range(11), weights=weights)[0], None
        if rng.random() < 0.35:
            fitting = [texts for (low, high), texts in THEMES if low <= score <= high]
            comment = rng.choice(rng.choice(fitting)) if fitting else None
        rows.append({"site_id": site.pk, "survey_id": survey_id, "response_id": f"b{i}", "kind": "nps", "score": score,
                     "comment": comment, "segment": segment, "page": rng.choice(PAGES), "placement": "purchase",
                     "device": rng.choice(("desktop", "desktop", "mobile", "tablet")), "locale": "en",
                     "answers": {"recommend": score}, "complete": True, "created_at": at, "updated_at": at,
                     "visitor_id": i + 1})
        if len(rows) == 5000:
            session.execute(insert(SurveyResponse), rows)
            rows = []
    if rows:
        session.execute(insert(SurveyResponse), rows)
    events = [{"site_id": site.pk, "client_id": f"s{i}", "visitor_id": i + 1, "type": "survey_shown", "ref": survey_id,
               "occurred_at": now - timedelta(seconds=rng.uniform(0, weeks * 7 * 86400)), "received_at": now,
               "page": "", "data": {}}
              for i in range(int(n * shown_per_response))]
    for start in range(0, len(events), 5000):
        session.execute(insert(Event), events[start:start + 5000])
    session.commit()


def best_of(runs: int, call: Callable[[], Any]) -> float:
    """The fastest of `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def measure(url: str, responses: int) -> None:
    """Seed `responses` on the database at `url` and print each query's time."""
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        site = create_site(session=session, name="Bench", origins=["https://shop.example"], key="pk_bench")
        session.commit()
        started = time.perf_counter()
        seed_responses(session, site, responses)
        print(f"{url.split(':')[0]}: seeded {responses:,} responses in {time.perf_counter() - started:.1f} s")
        window = results.Window(utcnow() - timedelta(days=90), None)
        args: dict[str, Any] = {"session": session, "site_id": site.pk, "survey_id": "post-purchase-nps",
                                "window": window}
        timings: dict[str, Callable[[], Any]] = {
            "list: responses, shown, NPS": lambda: results.overview(
                session=session, site_id=site.pk, surveys=[("post-purchase-nps", "nps")], window=window),
            "   of which survey_shown count": lambda: results.shown_counts(
                session=session, site_id=site.pk, survey_ids=["post-purchase-nps"], window=window),
            "survey: report (line + 4 tables)": lambda: results.report(**args, kind="nps"),
            "   the 4 tables as 4 GROUP BYs": lambda: [results.breakdown(**args, kind="nps", by=by)
                                                       for by in results.DIMENSIONS],
            "survey: comments page 1": lambda: results.comments(**args),
            "survey: comments, search 'size'": lambda: results.comments(**args, search="size"),
            "survey: themes key (newest change)": lambda: results.latest_change(
                session=session, site_id=site.pk, survey_id="post-purchase-nps"),
        }
        for name, call in timings.items():
            print(f"  {name:36s} {best_of(3, call):8.1f} ms")
        themes = best_of(1, lambda: results.comment_themes(**args, kind="nps"))
        print(f"  {'survey: themes (first view)':36s} {themes:8.1f} ms")
    engine.dispose()


def main() -> None:
    """Run on a temporary SQLite file, and on PostgreSQL when a URL is given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database's URL (postgresql+psycopg://...)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(f"sqlite:///{Path(folder) / 'bench.db'}", options.responses)
    if options.postgres:
        measure(options.postgres, options.responses)


if __name__ == "__main__":
    main()
