"""JSON shapes of flows, quiz states, results and recommendation strips, as the widget reads them."""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any

from assistant.api.locale import in_page_language
from assistant.catalog.models import Listed, ProductPublic
from assistant.flows.engine import ResultSet
from assistant.flows.quiz import QuizState
from assistant.flows.schema import Flow, Question
from assistant.recommend.service import RecResult


def flow_summary(flow: Flow) -> dict[str, Any]:
    """What the widget needs to offer a flow on a page, in the page's language."""
    flow = in_page_language(flow)
    return {"id": flow.id, "title": flow.title, "description": flow.description,
            "trigger": flow.entry.trigger, "label": flow.entry.label or flow.title,
            "questions": len(flow.questions)}


def flow_public(flow: Flow) -> dict[str, Any]:
    """A flow with its questions (no filters or boosts: those stay on the server), in the page's language."""
    flow = in_page_language(flow)
    return {**flow_summary(flow), "items": [question_public(q) for q in flow.questions]}


def question_public(question: Question) -> dict[str, Any]:
    """A question as the shopper sees it."""
    shape: dict[str, Any] = {"id": question.id, "text": question.text, "type": question.type,
                             "help": question.help, "optional": question.optional}
    if question.type in ("single", "multi"):
        shape["answers"] = [{"id": a.id, "text": a.text} for a in question.answers]
    else:
        shape.update(min=question.min, max=question.max, step=question.step,
                     unit=question.unit, labels=question.labels, field=question.field)
    return shape


def state_public(state: QuizState) -> dict[str, Any]:
    """Where the quiz stands."""
    return {
        "quiz": state.quiz.id,
        "flow": {"id": state.quiz.flow_id, "title": state.flow.title},  # an experiment's variant: the id asked for
        "question": question_public(state.question) if state.question else None,
        "answers": [{"question": qid, "value": value} for qid, value in state.quiz.answers],
        "progress": {"answered": state.answered, "total": state.total},
        "done": state.done,
        "carried": list(state.carried),
    }


def results_json(quiz_id: str, result: ResultSet, *, explain: bool) -> str:
    """Ranked products with their reasons and misses, which answers were relaxed, how many products matched: the
    JSON text `jsonify` would write (sorted keys, compact), each product encoded once."""
    head, tail = results_parts(result, explain=explain)
    return head + _quoted(quiz_id) + tail


def results_parts(result: ResultSet, *, explain: bool) -> tuple[str, str]:
    """The JSON text of `results_json` before and after the quiz id, which is all that differs between
    shoppers with the same answers."""
    items = ",".join(
        f'{{"misses":{_strings(m.misses)},"product":{_product_json(m.product)},'
        f'"reasons":[{",".join(_reason(r.kind, r.text) for r in m.reasons) if explain else ""}],'
        f'"score":{_number(m.score)}}}'
        for m in result.items)
    relaxed = [{"label": r.label, "question": r.question_id, "text": r.question_text} for r in result.relaxed]
    return (f'{{"fallback":{_compact(result.fallback)},"items":[{items}],"matching":{result.matching},"quiz":',
            f',"relaxed":{_compact(relaxed)}}}\n')


def _product_json(product: Listed) -> str:
    encoded = getattr(product, "public_json", None)  # catalog index views keep theirs
    return encoded if isinstance(encoded, str) else _compact(ProductPublic.of(product).model_dump())


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _strings(values: list[str]) -> str:
    """`_compact` of a list of strings."""
    return f'[{",".join(_quoted(value) for value in values)}]'


def _reason(kind: str, text: str) -> str:
    """`_compact` of {"kind": kind, "text": text}."""
    return f'{{"kind":{_quoted(kind)},"text":{_quoted(text)}}}'


def _number(value: float) -> str:
    """`_compact` of a score: a finite float is written as its repr, as the json module writes it."""
    return float.__repr__(value) if value.__class__ is float and math.isfinite(value) else _compact(value)


def strip_json(result: RecResult) -> str:
    """The strip as JSON text, as `jsonify` writes it (sorted keys, compact), with each product encoded once per bundle.

    Encoding the products was most of the cost of answering; only the reasons and the ids change per request.
    """
    items = ",".join(f'{{"product":{p.public_json},"reason":{{"kind":{_quoted(r.kind)},"text":{_quoted(r.text)}}}}}'
                     for p, r in result.items)
    return (f'{{"items":[{items}],"placement":{_quoted(result.placement)},"rec":{_quoted(result.rec_id)},'
            f'"title":{_quoted(result.title)}}}\n')
