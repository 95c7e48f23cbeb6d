"""The page's language (`?lang=`, which the widget adds to every call) and what is shown in it: flows, quiz states
and the widget's own strings (GET /strings), through the one catalogue (docs/i18n.md)."""

from __future__ import annotations

import dataclasses
from typing import TypeVar

from flask import Response, g, jsonify, request
from pydantic import BaseModel, Field

from assistant.api import bp
from assistant.api.contract import Answer, Operation, documented
from assistant.api.documents import SiteQuery, WidgetStrings
from assistant.api.origins import current_site
from assistant.flows.quiz import QuizState
from assistant.i18n.catalogue import direction, get_catalogue
from assistant.i18n.localize import localized
from assistant.surveys.schema import Survey

Model = TypeVar("Model", bound=BaseModel)
MAX_TAG = 35


class StringsQuery(SiteQuery):
    lang: str = Field("", max_length=MAX_TAG, description="The page's language tag (data-locale or <html lang>)")


def page_lang() -> str:
    """The page's BCP 47 tag as the widget sent it ('' when none or too long to be one)."""
    args = request.args
    tag = args["lang"] if "lang" in args else ""  # MultiDict.get raises and catches a KeyError when absent
    return tag if len(tag) <= MAX_TAG else ""


def site_locale() -> str | None:
    """The request's site's default locale (Site.default_locale), the fallback after the page's own language."""
    return getattr(g.get("site"), "default_locale", None)


def chosen_locale() -> str:
    """The locale the page is shown in: the first of the fallback order (page tag, its language, the site's default,
    English) with a catalogue."""
    return get_catalogue().chosen(page_lang(), site_locale())


def in_page_language(model: Model) -> Model:
    """A flow or survey with its texts in the page's language (fallback order: docs/i18n.md)."""
    return localized(model, get_catalogue(), page_lang(), site_locale())


def survey_in_page_language(survey: Survey) -> Survey:
    """A survey translated through the catalogue (`locales:`) in the page's language when the catalogue has it
    (its `locale` then names the translation's, for the widget's words); any other survey as it is."""
    if not survey.locales:
        return survey
    shown = in_page_language(survey)
    return shown if shown is survey else shown.model_copy(update={"locale": chosen_locale().replace("_", "-")})


def localized_state(state: QuizState) -> QuizState:
    """A quiz state whose flow and next question are in the page's language."""
    flow = in_page_language(state.flow)
    if flow is state.flow:
        return state
    question = flow.question(state.question.id) if state.question is not None else None
    return dataclasses.replace(state, flow=flow, question=question)


def widget_words() -> dict[str, object]:
    """The widget's strings in the first locale of the fallback order with a catalogue (none: English, {}), its
    counted ones by CLDR plural category (which the widget picks with `Intl.PluralRules(locale)`), its direction,
    and the page's tag as sent (what `Intl` formats numbers, prices and dates with)."""
    locale = chosen_locale()
    found = get_catalogue().locales().get(locale)
    return {"lang": page_lang(), "locale": locale.replace("_", "-"), "dir": direction(locale),
            "strings": found.widget if found is not None else {},
            "plurals": found.plurals if found is not None else {}}


@bp.get("/strings")
@documented(Operation("The widget's own words in the page's language", tag="widget", query=StringsQuery,
                      answers={200: Answer("The locale chosen, its direction and the translated strings",
                                           WidgetStrings)}))
def strings() -> Response:
    """The quiz module's words (the promotions and surveys get theirs with their answers)."""
    current_site()  # a known site and an allowed origin, as for every call
    response = jsonify(widget_words())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
