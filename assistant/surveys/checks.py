"""What a survey file means, checked: one small function per rule, each yielding located Problems."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from babel import Locale, UnknownLocaleError

from assistant.flows.loader import Locator
from assistant.flows.problems import Problem
from assistant.promotions.rules import CONDITIONS, validate_conditions
from assistant.surveys.loader import Loaded, load_text, read_text
from assistant.surveys.scales import DEFAULT_LABELS, GROUPS, SCALES, label_count
from assistant.surveys.schema import SPAN, Question, Survey

Check = Callable[[Survey, Locator], Iterator[Problem]]
_PART = re.compile(r"([^.\[\]]+)|\[([0-9]{1,6})\]")
_BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_ONLY_FOR: dict[str, tuple[str, ...]] = {"labels": tuple(SCALES), "style": ("csat",), "choices": ("single", "multi"),
                                         "max_length": ("text",), "placeholder": ("text",)}


def _questions(survey: Survey, loc: Locator) -> Iterator[tuple[int, Question]]:
    """The questions with a known kind (a stand-in for one whose type was wrong is passed by)."""
    return ((qi, q) for qi, q in enumerate(survey.questions) if ("questions", qi) not in loc.left_out)


def check_not_empty(survey: Survey, loc: Locator) -> Iterator[Problem]:
    """A survey asks at least one question."""
    if not survey.questions and ("questions",) not in loc.left_out:  # a wrong `questions:` is reported as such
        yield Problem(*loc.key("questions"), "the survey has no questions",
                      "add a `questions:` list, e.g. one `type: nps` question")


def check_ids(survey: Survey, loc: Locator) -> Iterator[Problem]:
    """Question ids are unique in the survey; choice ids are unique in their question."""
    seen: dict[str, int] = {}
    for qi, q in enumerate(survey.questions):
        if q.id in seen:
            yield Problem(*loc.at("questions", qi, "id"), f"duplicate question id '{q.id}'",
                          f"the question at line {loc.at('questions', seen[q.id])[0]} already uses it; "
                          "ids must be unique")
        seen.setdefault(q.id, qi)
        first: dict[str, int] = {}
        for ci, choice in enumerate(q.choices):
            if choice.id in first:
                yield Problem(*loc.at("questions", qi, "choices", ci, "id"),
                              f"duplicate choice id '{choice.id}' in question '{q.id}'",
                              f"the choice at line {loc.at('questions', qi, 'choices', first[choice.id])[0]} already "
                              "uses it; choice ids must be unique within their question")
            first.setdefault(choice.id, ci)


def check_kind_fields(survey: Survey, loc: Locator) -> Iterator[Problem]:
    """Each question has the fields of its kind: labels per scale point, two or more choices, no stray fields."""
    for qi, q in _questions(survey, loc):
        for name, kinds in _ONLY_FOR.items():
            if name in q.model_fields_set and q.type not in kinds and getattr(q, name):
                yield Problem(*loc.key("questions", qi, name), f"`{name}` is only for {' and '.join(kinds)} questions"
                              f"; '{q.id}' is {q.type}", f"remove it, or change `type:` to {kinds[0]}")
        if q.scored and q.labels and len(q.labels) != label_count(q.type) \
                and ("questions", qi, "labels") not in loc.left_out:  # a label left out is reported as such
            yield Problem(*loc.at("questions", qi, "labels"), f"question '{q.id}' ({q.type}) has {len(q.labels)} "
                          f"label(s); it takes {label_count(q.type)}", _labels_hint(q.type))
        if q.type in ("single", "multi") and len(q.choices) < 2:
            yield Problem(*loc.at("questions", qi), f"question '{q.id}' ({q.type}) needs at least two choices",
                          "add `choices:`, each `{id: ..., text: ...}`")


def _labels_hint(kind: str) -> str:
    if kind == "nps":
        return "give the two ends, lowest first, e.g. [Not at all likely, Extremely likely]"
    return f"one per point, lowest first, e.g. [{', '.join(DEFAULT_LABELS[kind])}]"


def check_show_if(survey: Survey, loc: Locator) -> Iterator[Problem]:
    """A follow-up depends on an earlier scored question, with scores its scale has."""
    for qi, q in enumerate(survey.questions):
        if q.show_if is None:
            continue
        ref = q.show_if.question
        earlier: dict[str, tuple[int, Question]] = {}
        for pi, p in enumerate(survey.questions[:qi]):
            earlier.setdefault(p.id, (pi, p))  # the first of a duplicated id, as Survey.question finds it
        if ref not in earlier:
            yield _unknown_reference(survey, qi, ref, loc)
            continue
        ti, target = earlier[ref]
        if ("questions", ti) in loc.left_out:
            continue  # its kind is unknown: reported at its `type:`
        if not target.scored:
            yield Problem(*loc.at("questions", qi, "show_if", "question"), f"`show_if` needs a scored question; "
                          f"'{ref}' is {target.type}", "refer to an nps, csat or ces question asked before this one")
            continue
        for si, entry in enumerate(q.show_if.scores):
            problem = _score_problem(entry, target)
            if problem:
                yield Problem(*loc.at("questions", qi, "show_if", "scores", si), *problem)


def _unknown_reference(survey: Survey, qi: int, ref: str, loc: Locator) -> Problem:
    where = loc.at("questions", qi, "show_if", "question")
    if ref in [p.id for p in survey.questions[qi:]]:
        return Problem(*where, f"`show_if` refers to question '{ref}', which is not asked before this one",
                       "a follow-up can only depend on a question earlier in the file")
    return Problem(*where, f"`show_if` refers to unknown question '{ref}'",
                   _did_you_mean(ref, list(dict.fromkeys(p.id for p in survey.questions[:qi] if p.scored))))


def _score_problem(entry: int | str, target: Question) -> tuple[str, str] | None:
    scale = SCALES[target.type]
    ends = f"{scale.start}..{scale.stop - 1}"
    groups = list(GROUPS[target.type])
    if isinstance(entry, int):
        return None if entry in scale else (f"score {entry} is outside {target.type}'s scale {ends}",
                                            f"use scores from {ends}, or a group: {', '.join(groups)}")
    span = SPAN.match(entry)
    if span is not None:
        low, high = int(span[1]), int(span[2])
        if low > high:
            return f"the span {entry.strip()} runs backwards", f"write it lowest first: {high}..{low}"
        if low not in scale or high not in scale:
            return f"the span {entry.strip()} is outside {target.type}'s scale {ends}", f"keep within {ends}"
        return None
    if entry in groups:
        return None
    return (f"'{entry}' is not a score group of {target.type}",
            _did_you_mean(entry, groups) or f"groups of {target.type}: {', '.join(groups)}")


def check_texts(survey: Survey, loc: Locator) -> Iterator[Problem]:
    """No text a shopper reads is blank."""
    texts: list[tuple[tuple[str | int, ...], str]] = [(("title",), survey.title), (("thanks",), survey.thanks)]
    for qi, q in enumerate(survey.questions):
        texts.append((("questions", qi, "text"), q.text))
        texts += [(("questions", qi, "labels", li), label) for li, label in enumerate(q.labels)]
        texts += [(("questions", qi, "choices", ci, "text"), c.text) for ci, c in enumerate(q.choices)]
    for path, text in texts:
        if not text.strip():
            yield Problem(*loc.at(*path), f"{_name(path, survey)} is empty", "write the text the shopper reads")


def _name(path: tuple[str | int, ...], survey: Survey) -> str:
    if path[0] != "questions":
        return f"`{path[0]}`"
    q = survey.questions[int(path[1])]
    if path[2] == "labels":
        return f"label {int(path[3]) + 1} of question '{q.id}'"
    if path[2] == "choices":
        return f"the text of choice '{q.choices[int(path[3])].id}' in question '{q.id}'"
    return f"the text of question '{q.id}'"


def check_placement(survey: Survey, loc: Locator) -> Iterator[Problem]:
    """Page patterns are URL paths; `count` goes with `after: product_views`; an event or exit intent, not both."""
    placement = survey.placement
    for i, page in enumerate(placement.pages):
        if page.startswith(("*", "/")) and not any(c.isspace() for c in page):
            continue
        hint = ("write the path only, e.g. '/checkout/thank-you*'" if "://" in page
                else "write a path such as '/' or '/checkout/*' ('*' matches any text)")
        yield Problem(*loc.at("placement", "pages", i), f"page pattern '{page}' is not a URL path", hint)
    if placement.after == "product_views" and placement.count is None \
            and ("placement", "count") not in loc.left_out:
        yield Problem(*loc.at("placement", "after"), "`after: product_views` needs a `count:`",
                      "add `count: 3` to offer the survey after the third product view of a visit")
    if placement.count is not None and placement.after != "product_views":
        yield Problem(*loc.key("placement", "count"), "`count` only goes with `after: product_views`",
                      "remove it, or set `after: product_views`")
    if placement.exit_intent and placement.after is not None:
        yield Problem(*loc.key("placement", "exit_intent"), f"a survey shows after `{placement.after}` or on exit "
                      "intent, not both", "keep one of `after:` and `exit_intent: true`; write two surveys for both")


def check_audience(survey: Survey, loc: Locator) -> Iterator[Problem]:
    """The audience is a valid condition tree of the promotions' registry (the same conditions, the same checks)."""
    for problem in validate_conditions(survey.audience, "audience"):
        path = tuple(name or int(index) for name, index in _PART.findall(problem.field))
        message, _, hint = problem.message.partition("; ")
        where = loc.key(*path) if message.startswith("unknown") else loc.at(*path)
        yield Problem(*where, f"{problem.field}: {message}", hint or _example(path))


def _example(path: tuple[str | int, ...]) -> str:
    """The registry's example of the condition at (or above) `path`, as the hint for a wrong value."""
    name = next((p for p in reversed(path) if isinstance(p, str) and p in CONDITIONS), None)
    return f"for example {CONDITIONS[name].example}" if name else "see docs/surveys.md, Audience"


def check_locale(survey: Survey, loc: Locator) -> Iterator[Problem]:
    """The locale is a BCP 47 tag CLDR knows; a survey in another language brings its own labels and thanks."""
    tag = survey.locale
    if tag is None:
        return
    known = bool(_BCP47.match(tag))
    if known:
        try:
            language = Locale.parse(tag, sep="-").language
        except (UnknownLocaleError, ValueError):
            known = False
    if not known:
        yield Problem(*loc.at("locale"), f"unknown locale '{tag}'",
                      "write a BCP 47 language tag such as en, de-CH, ja or zh-CN")
        return
    if language == "en":
        return
    english = ["thanks"] if "thanks" not in survey.model_fields_set else []
    english += [f"labels of '{q.id}'" for _, q in _questions(survey, loc) if q.scored and not q.labels]
    if english:
        yield Problem(*loc.at("locale"), f"the survey is in '{tag}' but shows English defaults: {', '.join(english)}",
                      "write `thanks:` and each scored question's `labels:` in the survey's language", "warning")


def check_sample(survey: Survey, loc: Locator) -> Iterator[Problem]:
    """A sample of 0 shows the survey to nobody: say so (switching off is `active: false`)."""
    if survey.sample == 0 and survey.active:
        yield Problem(*loc.at("sample"), "`sample: 0` offers the survey to nobody",
                      "to switch it off write `active: false`; to ask some visitors, e.g. `sample: 0.2`", "warning")


ALL_CHECKS: list[Check] = [check_not_empty, check_ids, check_kind_fields, check_show_if, check_texts,
                           check_placement, check_audience, check_locale, check_sample]


def run_checks(survey: Survey, loc: Locator, path: str) -> list[Problem]:
    """Every meaning problem of `survey`, each stamped with `path`."""
    return [Problem(p.line, p.column, p.message, p.hint, p.level, path)
            for check in ALL_CHECKS for p in check(survey, loc)]


def read_survey(path: Path, text: str | None = None) -> tuple[Loaded, list[Problem]]:
    """Load and check one survey file (its `text` when already read): the load result and every problem, sorted."""
    if text is None:
        text, problems = read_text(path)
        if text is None:
            return Loaded(None, Locator(), problems), problems
    loaded = load_text(text, path=str(path))
    problems = list(loaded.problems)
    if loaded.checkable is not None:  # a file with schema errors still has what parsed checked
        problems += run_checks(loaded.checkable, loaded.locator, str(path))
    return loaded, sorted(set(problems))


def _did_you_mean(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(str(value), known, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"known: {', '.join(known)}" if known else ""
