"""A survey's results: counts by score per group (one SQL GROUP BY each), turned into figures by `stats`.

No figure loads the answers themselves: the database returns (group, score, count) rows, a few hundred at
most, and NPS, CSAT, CES and their intervals come from those histograms. Comments are read a page at a time
(newest first), and the themes read at most THEME_COMMENTS of the range's newest comments.

Weeks start on Monday (UTC) and are named by that Monday's date; the response rate is the responses of the
range over the `survey_shown` events of the range whose `ref` is the survey's id.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from assistant.report_window import Page as CommentPage
from assistant.report_window import Window
from assistant.surveys import stats
from assistant.surveys.models import SurveyResponse
from assistant.surveys.scales import GROUPS, SCALES
from assistant.surveys.schema import Survey
from assistant.tracking.models import Event

DIMENSIONS = ("segment", "page", "device", "week")
NO_VALUE = "(none)"
THEME_COMMENTS = 5_000
"""The newest comments of a range the themes are found in: NMF over 5,000 short comments takes about 2 s."""
THEME_LIMITS: dict[str, tuple[int, int]] = {"nps": (6, 9), "csat": (2, 4), "ces": (3, 5)}
"""Per kind, the highest low score and the lowest high score (NPS detractors and promoters)."""


@dataclass(frozen=True)
class Figures:
    """One group's figures: the headline of its kind, from its histogram of scores."""

    key: str
    kind: str | None
    counts: dict[int, int]
    n: int
    nps: stats.Nps | None = None
    csat: stats.Proportion | None = None
    ces: stats.Ces | None = None
    versus_rest: stats.NpsDifference | None = None
    """NPS of this group minus NPS of every other response of the range (segments only)."""


@dataclass(frozen=True)
class Overview:
    """One survey's line on the list: responses, shown, the response rate and the headline figure."""

    survey_id: str
    responses: int
    shown: int
    rate: stats.Proportion | None
    """None when nothing was shown, or fewer `survey_shown` events than responses were recorded."""
    figures: Figures


def kind_of(survey: Survey) -> str | None:
    """The kind (nps, csat, ces) of the survey's first scored question, as responses store it; None without one."""
    return next((q.type for q in survey.questions if q.scored), None)


def figures_of(key: str, kind: str | None, counts: dict[int, int]) -> Figures:
    """The figures of one histogram for a question kind (nps, csat, ces; None: responses counted only)."""
    n = sum(counts.values())
    if kind == "nps":
        return Figures(key, kind, counts, n, nps=stats.nps_from_counts(counts))
    if kind == "csat":
        return Figures(key, kind, counts, n, csat=stats.csat_from_counts(counts))
    if kind == "ces":
        return Figures(key, kind, counts, n, ces=stats.ces_from_counts(counts))
    return Figures(key, kind, counts, n)


def _where(site_id: int, survey_id: str, window: Window) -> list[ColumnElement[bool]]:
    conditions = [col(SurveyResponse.site_id) == site_id, col(SurveyResponse.survey_id) == survey_id]
    if window.start is not None:
        conditions.append(col(SurveyResponse.created_at) >= window.start)
    if window.end is not None:
        conditions.append(col(SurveyResponse.created_at) < window.end)
    return conditions


def _scored(kind: str | None) -> list[ColumnElement[bool]]:
    """Rows whose score counts for `kind` (its scale only: a row scored on another kind is left out)."""
    if kind not in SCALES:
        return []
    scale = SCALES[kind]
    return [col(SurveyResponse.kind) == kind, col(SurveyResponse.score) >= scale.start,
            col(SurveyResponse.score) < scale.stop]


def week_of(session: Session) -> ColumnElement[Any]:
    """The Monday (YYYY-MM-DD, UTC) of each response's week, in the session's SQL dialect."""
    created = col(SurveyResponse.created_at)
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", func.timezone("UTC", created)), "YYYY-MM-DD")
    return func.date(created, "-6 days", "weekday 1")  # the Monday on or after six days before: this week's


def _group(session: Session, by: str) -> ColumnElement[Any]:
    if by == "week":
        return week_of(session)
    if by not in DIMENSIONS:
        raise ValueError(f"results are grouped by one of {', '.join(DIMENSIONS)}, not {by!r}")
    return func.coalesce(getattr(SurveyResponse, by), NO_VALUE)


def score_counts(*, session: Session, site_id: int, survey_id: str, kind: str | None, window: Window,
                 by: str | None = None) -> dict[str, dict[int, int]]:
    """{group: {score: count}} of the survey's scored responses in the window (one group '' when `by` is None).

    For a survey without a scored question every response counts under the score 0.
    """
    group = _group(session, by) if by else literal("")
    score = col(SurveyResponse.score) if kind in SCALES else literal(0)
    query = (sa_select(cast(group, String).label("g"), score.label("s"), func.count().label("c"))
             .where(*_where(site_id, survey_id, window), *_scored(kind)).group_by(group, score))
    found: dict[str, dict[int, int]] = {}
    for name, value, count in session.execute(query):
        found.setdefault(str(name), {})[int(value)] = int(count)
    return found


def breakdown(*, session: Session, site_id: int, survey_id: str, kind: str | None, window: Window,
              by: str) -> list[Figures]:
    """The figures of each group of `by` (segment, page, device, week): weeks in order, others largest first.

    By segment, each NPS is also compared with the NPS of every other response of the window.
    """
    counts = score_counts(session=session, site_id=site_id, survey_id=survey_id, kind=kind, window=window, by=by)
    return _table(counts, kind, by)


def _table(counts: dict[str, dict[int, int]], kind: str | None, by: str) -> list[Figures]:
    total: dict[int, int] = {}
    for histogram in counts.values():
        for score, count in histogram.items():
            total[score] = total.get(score, 0) + count
    rows = [figures_of(key, kind, histogram) for key, histogram in counts.items()]
    if by == "segment" and kind == "nps" and len(rows) > 1:
        rows = [_versus_rest(row, total) for row in rows]
    if by == "week":
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (-r.n, r.key))


@dataclass(frozen=True)
class Report:
    """One survey's page of figures: its list line and its tables by segment, page, device and week."""

    line: Overview
    tables: dict[str, list[Figures]]


def report(*, session: Session, site_id: int, survey_id: str, kind: str | None, window: Window) -> Report:
    """The line and the four tables from one scan of the window's responses: a GROUP BY over segment, page,
    device, week, kind and score (a few thousand groups at most), summed per dimension here; and the shown count.
    """
    week = week_of(session)
    keys = (func.coalesce(col(SurveyResponse.segment), NO_VALUE), func.coalesce(col(SurveyResponse.page), NO_VALUE),
            func.coalesce(col(SurveyResponse.device), NO_VALUE), week, col(SurveyResponse.kind),
            col(SurveyResponse.score))
    query = (sa_select(*keys, func.count()).where(*_where(site_id, survey_id, window)).group_by(*keys))
    scale = SCALES.get(kind or "")
    by: dict[str, dict[str, dict[int, int]]] = {name: {} for name in DIMENSIONS}
    rows: list[tuple[str | None, int | None, int]] = []
    for segment, page, device, day, row_kind, score, count in session.execute(query):
        rows.append((row_kind, score, int(count)))
        if scale is not None and (row_kind != kind or score is None or score not in scale):
            continue
        value = int(score) if scale is not None else 0
        for name, group in zip(DIMENSIONS, (segment, page, device, day), strict=True):
            histogram = by[name].setdefault(str(group), {})
            histogram[value] = histogram.get(value, 0) + int(count)
    shown = shown_counts(session=session, site_id=site_id, survey_ids=[survey_id], window=window)
    line = _overview(survey_id, kind, rows, shown.get(survey_id, 0))
    return Report(line, {name: _table(counts, kind if scale else None, name) for name, counts in by.items()})


def _versus_rest(row: Figures, total: dict[int, int]) -> Figures:
    rest = {score: count - row.counts.get(score, 0) for score, count in total.items()}
    assert row.nps is not None
    difference = stats.nps_difference(row.nps, stats.nps_from_counts(rest))
    return Figures(row.key, row.kind, row.counts, row.n, nps=row.nps, versus_rest=difference)


def overview(*, session: Session, site_id: int, surveys: Sequence[tuple[str, str | None]],
             window: Window) -> list[Overview]:
    """Each survey's (id, kind) responses, response rate and headline figure: two GROUP BYs for all of them."""
    ids = [survey_id for survey_id, _ in surveys]
    where = [col(SurveyResponse.site_id) == site_id, col(SurveyResponse.survey_id).in_(ids)]
    if window.start is not None:
        where.append(col(SurveyResponse.created_at) >= window.start)
    if window.end is not None:
        where.append(col(SurveyResponse.created_at) < window.end)
    keys = (col(SurveyResponse.survey_id), col(SurveyResponse.kind), col(SurveyResponse.score))
    query = sa_select(*keys, func.count()).where(*where).group_by(*keys)
    rows: dict[str, list[tuple[str | None, int | None, int]]] = {}
    for survey_id, kind, score, count in session.execute(query):
        rows.setdefault(survey_id, []).append((kind, score, int(count)))
    shown = shown_counts(session=session, site_id=site_id, survey_ids=ids, window=window)
    return [_overview(survey_id, kind, rows.get(survey_id, []), shown.get(survey_id, 0))
            for survey_id, kind in surveys]


def _overview(survey_id: str, kind: str | None, rows: list[tuple[str | None, int | None, int]],
              shown: int) -> Overview:
    responses = sum(count for _, _, count in rows)
    scale = SCALES.get(kind or "")
    counts: dict[int, int] = {}
    for row_kind, score, count in rows:
        if scale is not None and row_kind == kind and score is not None and score in scale:
            counts[score] = counts.get(score, 0) + count
    if scale is None:
        counts = {0: responses} if responses else {}
    rate = stats.response_rate(responses, shown) if 0 < shown and responses <= shown else None
    return Overview(survey_id, responses, shown, rate, figures_of("", kind if scale else None, counts))


def shown_counts(*, session: Session, site_id: int, survey_ids: Sequence[str], window: Window) -> dict[str, int]:
    """How many `survey_shown` events each survey had in the window (on the event table's (site, type, ref) index)."""
    where = [col(Event.site_id) == site_id, col(Event.type) == "survey_shown", col(Event.ref).in_(list(survey_ids))]
    if window.start is not None:
        where.append(col(Event.occurred_at) >= window.start)
    if window.end is not None:
        where.append(col(Event.occurred_at) < window.end)
    query = sa_select(col(Event.ref), func.count()).where(*where).group_by(Event.ref)
    return {str(ref): int(count) for ref, count in session.execute(query)}


def score_group(kind: str | None, group: str | None) -> range | None:
    """The scores of a named group (detractor, passive, promoter; low, neutral, high), or None for all."""
    if not group or kind not in GROUPS:
        return None
    found = GROUPS[kind].get(group)
    if found is None:
        raise ValueError(f"'{group}' is not a score group of {kind}: use {', '.join(GROUPS[kind])}")
    return found


def comments(*, session: Session, site_id: int, survey_id: str, window: Window, scores: range | None = None,
             search: str = "", number: int = 1, size: int = 25) -> CommentPage:
    """One page of the window's comments, newest first, with their score; filtered by scores and by text."""
    where = [*_where(site_id, survey_id, window), col(SurveyResponse.comment).is_not(None),
             col(SurveyResponse.comment) != ""]
    if scores is not None:
        where += [col(SurveyResponse.score) >= scores.start, col(SurveyResponse.score) < scores.stop]
    if search:
        where.append(col(SurveyResponse.comment).icontains(search, autoescape=True))
    total = int(session.execute(sa_select(func.count()).select_from(SurveyResponse).where(*where)).scalar_one())
    query = (sa_select(col(SurveyResponse.score), col(SurveyResponse.comment), col(SurveyResponse.created_at),
                       col(SurveyResponse.segment), col(SurveyResponse.page), col(SurveyResponse.device))
             .where(*where).order_by(col(SurveyResponse.created_at).desc(), col(SurveyResponse.id).desc())
             .limit(size).offset((number - 1) * size))
    rows = [dict(row._mapping) for row in session.execute(query)]
    return CommentPage(rows, total, number, size)


def theme_input(*, session: Session, site_id: int, survey_id: str, window: Window,
                limit: int = THEME_COMMENTS) -> tuple[list[str], list[float | None]]:
    """The window's newest comments (at most `limit`) and their scores, for `themes.find_themes`."""
    query = (sa_select(col(SurveyResponse.comment), col(SurveyResponse.score))
             .where(*_where(site_id, survey_id, window), col(SurveyResponse.comment).is_not(None),
                    col(SurveyResponse.comment) != "")
             .order_by(col(SurveyResponse.created_at).desc(), col(SurveyResponse.id).desc()).limit(limit))
    found = session.execute(query).all()
    return [str(c) for c, _ in found], [None if s is None else float(s) for _, s in found]


def latest_change(*, session: Session, site_id: int, survey_id: str) -> tuple[datetime | None, int]:
    """The newest `updated_at` of the survey's responses and their number: what a cached theme set is keyed by."""
    query = sa_select(func.max(SurveyResponse.updated_at), func.count()).where(
        col(SurveyResponse.site_id) == site_id, col(SurveyResponse.survey_id) == survey_id)
    newest, count = session.execute(query).one()
    return newest, int(count)


EXPORT_COLUMNS = ("response_id", "created_at", "updated_at", "kind", "score", "comment", "complete", "segment",
                  "page", "placement", "device", "locale", "customer_id", "visitor_id", "answers")


def export_rows(*, session: Session, site_id: int, survey_id: str, window: Window) -> Iterator[dict[str, Any]]:
    """Every response of the window, oldest first, read 1,000 rows at a time (for a streamed CSV)."""
    columns = [getattr(SurveyResponse, name) for name in EXPORT_COLUMNS]
    query = (sa_select(*columns).where(*_where(site_id, survey_id, window))
             .order_by(col(SurveyResponse.created_at), col(SurveyResponse.id)).execution_options(yield_per=1000))
    for row in session.execute(query):
        yield dict(row._mapping)


def person_answers(*, session: Session, site_id: int, visitor_ids: Sequence[int], customer_id: str | None,
                   limit: int = 100) -> list[dict[str, Any]]:
    """One person's responses (by their visitors or customer id), newest first: survey, kind, score, comment, date."""
    mine: list[ColumnElement[bool]] = [col(SurveyResponse.visitor_id).in_(list(visitor_ids) or [-1])]
    if customer_id:
        mine.append(col(SurveyResponse.customer_id) == customer_id)
    query = (sa_select(col(SurveyResponse.survey_id), col(SurveyResponse.kind), col(SurveyResponse.score),
                       col(SurveyResponse.comment), col(SurveyResponse.created_at), col(SurveyResponse.complete))
             .where(col(SurveyResponse.site_id) == site_id, or_(*mine))
             .order_by(col(SurveyResponse.created_at).desc(), col(SurveyResponse.id).desc()).limit(limit))
    return [dict(row._mapping) for row in session.execute(query)]


@dataclass(frozen=True)
class ThemeReport:
    """The themes of a window's comments, each with a few example comments, and how many comments were read."""

    themes: list[dict[str, Any]]
    comments: int
    n_low: int
    n_high: int
    low_max: int
    high_min: int


def comment_themes(*, session: Session, site_id: int, survey_id: str, kind: str | None, window: Window,
                   examples: int = 3) -> ThemeReport:
    """Themes over the window's newest comments (themes.find_themes), low and high by the kind's thresholds."""
    from assistant.surveys.themes import find_themes  # scikit-learn loads in about a second: only when asked

    texts, scores = theme_input(session=session, site_id=site_id, survey_id=survey_id, window=window)
    low_max, high_min = THEME_LIMITS.get(kind or "", (0, 0))
    if kind not in THEME_LIMITS:
        scores = [None] * len(texts)
    found = find_themes(texts, scores, low_max=low_max, high_min=high_min)
    themes = []
    for number, theme in enumerate(found.themes):
        picked: dict[str, float | None] = {}   # each text once: templated comments repeat word for word
        for i in (i for i, t in enumerate(found.assignments) if t == number and len(picked) < examples):
            picked.setdefault(texts[i], scores[i])
        themes.append({**theme.to_json(), "examples": [{"comment": c, "score": s} for c, s in picked.items()]})
    return ThemeReport(themes, len(texts), found.n_low, found.n_high, low_max, high_min)
