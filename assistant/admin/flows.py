"""Flows for merchandisers: every file's problems (with the catalog checks) and a try-it preview."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.context import admin_site
from assistant.catalog.index import CatalogIndex, index_of_rows
from assistant.catalog.indexes import get_indexes
from assistant.db import get_session
from assistant.errors import Invalid, NotFound
from assistant.flows import ranking
from assistant.flows.answers import Answers, give_answer, next_question
from assistant.flows.catalog_checks import check_against_catalog
from assistant.flows.drafts import draft_path, flow_files
from assistant.flows.experiment_checks import experiment_problems
from assistant.flows.publish import changed_outside, get_draft, publications
from assistant.flows.registry import get_registry, read_flow
from assistant.flows.schema import Flow
from assistant.flows.site_flows import site_flow
from assistant.merchandising.rules import rules_for_site
from assistant.numbers import decimal_or_none
from assistant.sites.models import Site


@bp.get("/flows")
@login_required("merchandiser")
def flows() -> str:
    """Every flow file of the site (`sites:` naming it or none): live or not, and its problems."""
    registry = get_registry()
    registry.refresh(force=True)
    site = admin_site()
    index = _catalog(site)
    rows = []
    served = registry.problems()
    files = flow_files(registry.folder)
    across = experiment_problems(files, registry.folder)  # an experiment and its variants, file against file
    for path in files:  # a draft file shows on its flow's draft page
        loaded, problems = read_flow(path)
        problems = problems + across.get(str(path), [])
        if loaded.checkable is not None and not loaded.checkable.offered_to(_key(site)):
            continue  # another shop's flow
        if loaded.checkable is not None:  # every question that parsed, errors or not, as `flows check`
            problems = problems + check_against_catalog(loaded.checkable, loaded.locator, index, str(path))
        # what kept the file from being served: its errors against the catalog of a site it is offered to
        problems = sorted(set(problems + [p for p in served.get(path, []) if "(catalog of site " in p.message]))
        live = _live(loaded.flow)
        kept = registry.live_from(path) if not live else None
        flow = loaded.flow or kept
        drafted = draft_path(path).is_file() or (flow is not None and get_draft(session=get_session(),
                                                                                flow_id=flow.id) is not None)
        rows.append({"file": path.name, "flow": flow, "problems": problems, "live": live, "kept": kept,
                     "drafted": drafted})
    return render_template("admin/flows.html", rows=rows, site=site)


@bp.get("/flows/<flow_id>")
@login_required("merchandiser")
def flow_preview(flow_id: str) -> str:
    """The flow as a shopper sees it: answer in the form, see the next question and the results."""
    registry = get_registry()
    registry.refresh(force=True)  # a merchandiser previews the file they just saved
    try:
        flow = site_flow(registry, _key(admin_site()), flow_id)
    except NotFound:
        abort(404)
    answers, error = _answers_from(flow, request.args)
    rules = rules_for_site(current_app.extensions["assistant"]["settings"].merch_rules, _key(admin_site()))
    result = ranking.rank(flow, answers, _catalog(admin_site()), rules) if answers else None  # as the live quiz
    history, path = publications(session=get_session(), flow_id=flow.id), registry.path_of(flow.id)
    return render_template("admin/flow.html", flow=flow, answers=dict(answers), error=error,
                           current=next_question(flow, answers), result=result,
                           drafted=get_draft(session=get_session(), flow_id=flow.id) is not None,
                           history=history, outside=changed_outside(history, path) if path else False)


def _key(site: Site | None) -> str:
    """The site's public key; without a site, '' (offered only the flows that name no site)."""
    return site.key if site else ""


def _catalog(site: Site | None) -> CatalogIndex:
    """The site's live catalog index (the one the quiz reads), or an empty one when there is no site."""
    return get_indexes().get(site.pk) if site else index_of_rows(0, [])


def _answers_from(flow: Flow, args: Any) -> tuple[Answers, str | None]:
    answers: Answers = []
    for question in flow.questions:
        if next_question(flow, answers) is not question:
            continue
        raw = _raw_value(question.type, question.id, args)
        if raw is None:
            break
        try:
            answers = give_answer(flow, answers, question.id, raw)
        except Invalid as exc:
            return answers, f"{question.text} {exc.message}"
    return answers, None


def _raw_value(kind: str, question_id: str, args: Any) -> Any:
    if kind == "multi":
        return args.getlist(question_id) or None
    if kind == "range":
        low, high = _float(args.get(f"{question_id}_min")), _float(args.get(f"{question_id}_max"))
        return [low, high] if low is not None and high is not None else None
    if kind == "scale":
        return _float(args.get(question_id))
    return args.get(question_id) or None


def _float(text: str | None) -> float | None:
    number = decimal_or_none(text)
    return None if number is None else float(number)


def _live(flow: Flow | None) -> bool:
    if flow is None:
        return False
    try:
        return get_registry().get(flow.id) == flow
    except NotFound:
        return False



@bp.app_template_filter("spec")
def spec(mapping: dict[str, Any]) -> str:
    """A filter, boost or `when` mapping as a merchandiser reads it: "terrain: trail or mixed"."""
    parts = []
    for name, value in mapping.items():
        if isinstance(value, dict):
            weight = f" (x{value['weight']:g})" if "weight" in value else ""
            terms = [f"{op} {_words(v)}" for op, v in value.items() if op != "weight"]
            parts.append(f"{name}: {', '.join(terms)}{weight}".replace(": any ", ": "))
        else:
            parts.append(f"{name}: {_words(value)}")
    return "; ".join(parts)


def _words(value: Any) -> str:
    return " or ".join(map(str, value)) if isinstance(value, list) else str(value)
