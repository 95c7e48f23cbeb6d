"""Survey results: every survey of the site with its headline figure, and one survey by segment, page, device
and week, with its comments, their themes and a CSV of the responses.

Marketers and admins see them. The figures come from surveys.results (GROUP BYs, never the rows) and are kept
in this process for a minute per site, survey and date range: on SQLite with 100,000 responses and 300,000
`survey_shown` events one survey's figures take about a second to count (benchmarks/survey_results.py), and
a marketer clicking through comment pages and filters should not pay it again on every click. The themes are
found once per survey, date range and newest response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from time import monotonic
from typing import Any, TypeVar, cast

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp, dates
from assistant.admin.auth import login_required
from assistant.admin.context import admin_site
from assistant.admin.csv_export import csv_response
from assistant.db import get_session
from assistant.errors import NotFound
from assistant.numbers import MAX_COUNT, whole_or_none
from assistant.sites.models import Site
from assistant.storable import text_problem
from assistant.surveys import results
from assistant.surveys.editing import save_survey
from assistant.surveys.registry import get_registry
from assistant.surveys.scales import GROUPS
from assistant.surveys.schema import Survey

DEFAULT_DAYS = 90
COMMENTS_PAGE = 20
MAX_SEARCH = 200
THEME_CACHE = 32
FIGURES_SECONDS = 60.0
"""How long a survey's counted figures (and the newest-response key of its themes) are reused by this process."""
FIGURES_CACHE = 64
T = TypeVar("T")


@bp.get("/surveys")
@login_required("marketer")
def surveys() -> str:
    """Every survey of the chosen site with its responses, response rate and headline figure in the date range."""
    site = admin_site()
    window, chosen = _window()
    if site is None:
        return render_template("admin/surveys.html", site=None, lines=[], chosen=chosen)
    listed = [s for s in get_registry().surveys() if s.offered_to(site.key)]
    wanted = [(s.id, results.kind_of(s)) for s in listed]
    lines = _cached(("list", site.pk, tuple(wanted), window), lambda: results.overview(
        session=get_session(), site_id=site.pk, window=window, surveys=wanted))
    return render_template("admin/surveys.html", site=site, lines=list(zip(listed, lines, strict=True)),
                           chosen=chosen)


@bp.get("/surveys/<survey_id>")
@login_required("marketer")
def survey_results(survey_id: str) -> str:
    """One survey: figures by segment, page, device and week, the weekly trend, comments and their themes."""
    site, survey = _survey(survey_id)
    window, chosen = _window()
    session, kind = get_session(), results.kind_of(survey)
    figures = _cached(("report", site.pk, survey.id, kind, window), lambda: results.report(
        session=session, site_id=site.pk, survey_id=survey.id, kind=kind, window=window))
    line, tables = figures.line, figures.tables
    group, search = _group(kind), _search()
    page = results.comments(session=session, site_id=site.pk, survey_id=survey.id, window=window,
                            scores=results.score_group(kind, group), search=search, number=_page(), size=COMMENTS_PAGE)
    themes = _themes(site, survey, kind, window) if request.args.get("themes") != "off" else None
    return render_template("admin/survey.html", site=site, survey=survey, kind=kind, line=line, tables=tables,
                           comments=page, group=group, groups=list(GROUPS.get(kind or "", {})),
                           search=search, themes=themes, chosen=chosen, trend=_trend(kind, tables["week"]))


@bp.get("/surveys/<survey_id>.csv")
@login_required("marketer")
def survey_csv(survey_id: str) -> BaseResponse:
    """Every response of the survey in the date range as CSV, streamed."""
    site, survey = _survey(survey_id)
    window, chosen = _window()
    session = get_session()
    rows = results.export_rows(session=session, site_id=site.pk, survey_id=survey.id, window=window)
    name = f"{site.key}-{survey.id}-{chosen['from'] or 'start'}-{chosen['to'] or 'now'}.csv"
    return csv_response(name, results.EXPORT_COLUMNS, _closing(rows, session))


def _closing(rows: Iterator[dict[str, Any]], session: Session) -> Iterator[dict[str, Any]]:
    """`rows`, then the session closed: the download is read after the request's teardown closed the session
    once, so the connection it took again would otherwise stay checked out (as the customers' CSVs)."""
    try:
        yield from rows
    finally:
        session.close()


def _survey(survey_id: str) -> tuple[Site, Survey]:
    """The chosen site and its survey `survey_id`; a survey the site does not show is a 404, as an unknown one."""
    site = admin_site()
    if site is None:
        abort(404)
    try:
        survey = get_registry().get(survey_id)
    except NotFound:
        abort(404)
    if not survey.offered_to(site.key):
        abort(404)
    return site, survey


def _window() -> tuple[results.Window, dict[str, str]]:
    """The date range of ?from=YYYY-MM-DD&to=YYYY-MM-DD (both days included; empty: open); default the last 90 days."""
    start, end, chosen = dates.utc_range(DEFAULT_DAYS)
    return results.Window(start, end), chosen


def _group(kind: str | None) -> str | None:
    name = request.args.get("group", "").strip()
    if not name:
        return None
    if name not in GROUPS.get(kind or "", {}):
        abort(400, f"group must be one of: {', '.join(GROUPS.get(kind or '', {})) or 'none for this survey'}.")
    return name


def _search() -> str:
    text = request.args.get("q", "")
    if len(text) > MAX_SEARCH or text_problem(text) or any(ord(c) < 32 for c in text):
        abort(400, f"A search is at most {MAX_SEARCH} printable characters.")
    return text.strip()


def _page() -> int:
    given = request.args.get("page")
    number = whole_or_none(given, low=1, high=MAX_COUNT)
    if given is not None and number is None:
        abort(400, f"page must be a whole number from 1 to {MAX_COUNT}.")
    return number or 1


def _themes(site: Site, survey: Survey, kind: str | None, window: results.Window) -> results.ThemeReport:
    """The themes of the range's comments, found again only when a response of the survey was added or changed."""
    session = get_session()
    newest, count = _cached(("newest", site.pk, survey.id), lambda: results.latest_change(
        session=session, site_id=site.pk, survey_id=survey.id))
    cache: dict[tuple[Any, ...], results.ThemeReport] = \
        current_app.extensions["assistant"].setdefault("survey_themes", {})
    key = (site.pk, survey.id, kind, window.start, window.end, newest, count)
    if key not in cache:
        if len(cache) >= THEME_CACHE:
            cache.pop(next(iter(cache)))
        cache[key] = results.comment_themes(session=session, site_id=site.pk, survey_id=survey.id, kind=kind,
                                            window=window)
    return cache[key]


def _cached(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """`compute()`, reused by this process for FIGURES_SECONDS under `key`."""
    cache: dict[tuple[Any, ...], tuple[float, Any]] = \
        current_app.extensions["assistant"].setdefault("survey_figures", {})
    now = monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < FIGURES_SECONDS:
        return cast(T, hit[1])
    value = compute()
    if key not in cache and len(cache) >= FIGURES_CACHE:
        cache.pop(next(iter(cache)))
    cache[key] = (now, value)
    return value


def _trend(kind: str | None, weeks: list[results.Figures]) -> dict[str, Any]:
    """The weekly headline with its interval, for the trend chart (NPS points, CSAT and agreeing %, CES mean)."""
    points = [_point(kind, w) for w in weeks]
    labels = {"nps": "NPS", "csat": "CSAT (% 4-5)", "ces": "CES mean (1-7)"}
    return {"labels": [w.key for w in weeks], "value": [p[0] for p in points], "low": [p[1] for p in points],
            "high": [p[2] for p in points], "n": [w.n for w in weeks], "label": labels.get(kind or "", "Responses"),
            "kind": kind, "range": {"nps": [-100, 100], "csat": [0, 100], "ces": [1, 7]}.get(kind or "")}


def _point(kind: str | None, week: results.Figures) -> tuple[float | None, float | None, float | None]:
    if week.nps is not None:
        return week.nps.value, week.nps.low, week.nps.high
    if week.csat is not None:
        share = week.csat
        return _percent(share.value), _percent(share.low), _percent(share.high)
    if week.ces is not None:
        return week.ces.mean.value, week.ces.mean.low, week.ces.mean.high
    return float(week.n), None, None


def _percent(value: float | None) -> float | None:
    return None if value is None else 100 * value


MAX_FILE_CHARS = 100_000


@bp.route("/surveys/<survey_id>/edit", methods=["GET", "POST"])
@login_required("marketer")
def survey_edit(survey_id: str) -> str | BaseResponse | tuple[str, int]:
    """The survey's file in a text box: saved only when `surveys check` finds no error in it, else every problem."""
    site, survey = _survey(survey_id)
    registry = get_registry()
    path = registry.path_of(survey.id)
    if path is None:
        abort(404)
    if request.method == "GET":
        return render_template("admin/survey_edit.html", survey=survey, text=path.read_text(encoding="utf-8"),
                               problems=[], file=path.name)
    text = request.form.get("text", "")
    if len(text) > MAX_FILE_CHARS:
        abort(400, f"A survey file has at most {MAX_FILE_CHARS:,} characters.")
    try:
        saved, problems = save_survey(registry=registry, survey_id=survey.id, text=text)
    except OSError as exc:  # a read-only install: the files are edited where they are kept
        flash(f"The file could not be written ({exc.strerror}); edit it where the survey files are kept.", "error")
        saved, problems = False, []
    if saved:
        flash(f"Saved {path.name}: the survey is live as written." if not problems else
              f"Saved {path.name} with {len(problems)} warning(s) below.", "ok")
        if not problems:
            return redirect(url_for("admin.survey_edit", survey_id=survey.id))
    status = 200 if saved else 422
    return render_template("admin/survey_edit.html", survey=get_registry().get(survey.id), text=text,
                           problems=problems, file=path.name), status
