"""The shape of a survey file: Survey, Question, Choice, ShowIf, Placement.

Structure only (types, ranges, unknown keys); what the fields mean together (a follow-up's reference,
labels per kind, page patterns, audience conditions) is checked in checks.py so every problem shows at once.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator
from pydantic_core import PydanticCustomError

from assistant.surveys.scales import DEFAULT_LABELS, GROUPS, SCALES

Kind = Literal["nps", "csat", "ces", "single", "multi", "text"]
Event = Literal["purchase", "quiz_finished", "search_no_click", "product_views"]
SCORED: tuple[str, ...] = tuple(SCALES)
SPAN = re.compile(r"^\s*(\d{1,6})\s*\.\.\s*(\d{1,6})\s*$")
"""A span of scores written `0..6` (YAML reads `[0..6]` as a list holding the text '0..6')."""


def _score_entry(value: Any) -> int | str:
    """One entry of `show_if.scores`: a whole number or a text (a span or a group name, checked against the
    question referred to in checks.py)."""
    if isinstance(value, int) and not isinstance(value, bool) or isinstance(value, str) and value.strip():
        return value
    raise PydanticCustomError("score_entry", "not a score, a span or a group name")


ScoreEntry = Annotated[int | str, PlainValidator(_score_entry)]


def _ident() -> Any:
    return Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    """One option of a single or multi question."""

    id: str = _ident()
    text: str = Field(min_length=1, max_length=200)


class ShowIf(_Strict):
    """Ask a follow-up only when an earlier scored question got one of `scores`."""

    question: str = Field(min_length=1, max_length=64)
    scores: list[ScoreEntry] = Field(min_length=1)
    """Scores (`3`), spans (`0..6`) or the kind's group names (`detractor`, `low`...), mixed as needed."""

    @field_validator("scores", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return value if isinstance(value, list) else [value]  # `scores: detractor` reads as `[detractor]`

    def score_set(self, kind: str) -> frozenset[int]:
        """The scores of a `kind` question that show the follow-up (entries that do not fit `kind` are ignored)."""
        chosen: set[int] = set()
        for entry in self.scores:
            if isinstance(entry, int):
                chosen.add(entry)
            elif (span := SPAN.match(entry)) is not None:
                chosen.update(range(int(span[1]), int(span[2]) + 1))
            else:
                chosen.update(GROUPS.get(kind, {}).get(entry, ()))
        return frozenset(chosen & set(SCALES.get(kind, ())))


class Question(_Strict):
    """One question: a score (nps, csat, ces), a choice (single, multi) or free text."""

    id: str = _ident()
    type: Kind
    text: str = Field(min_length=1, max_length=500)
    """The question; for CES the statement rated, e.g. "The shop made it easy to find my size."."""
    labels: list[Annotated[str, Field(max_length=100)]] = []
    """NPS: the two end labels; CSAT: 5 and CES: 7 point labels, lowest first. Empty: English defaults."""
    style: Literal["words", "faces"] = "words"
    """CSAT only: points shown as labelled words or as faces (a face always carries its label for screen readers)."""
    choices: list[Choice] = []
    max_length: int = Field(default=500, ge=1, le=5000)
    """Text only: the most characters of an answer."""
    placeholder: str = Field(default="", max_length=200)
    show_if: ShowIf | None = None

    @property
    def scored(self) -> bool:
        """Whether the answer is a score on a scale (nps, csat, ces)."""
        return self.type in SCALES

    @property
    def scale(self) -> range | None:
        """The scores allowed (both ends included), or None for choice and text questions."""
        return SCALES.get(self.type)

    @property
    def point_labels(self) -> tuple[str, ...]:
        """The labels shown: the file's, else the English defaults (NPS: two ends; CSAT, CES: every point)."""
        return tuple(self.labels) or DEFAULT_LABELS.get(self.type, ())

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with id `choice_id`, if the question has it."""
        return next((c for c in self.choices if c.id == choice_id), None)


class Placement(_Strict):
    """Where and when the widget may offer the survey: page patterns, an event, or exit intent."""

    pages: list[Annotated[str, Field(min_length=1, max_length=500)]] = ["*"]
    """URL path patterns (fnmatch: `*` any text, `?` one character), as flows' entry pages."""
    after: Event | None = None
    """Offer the survey right after this event; none: on a page view of a matching page."""
    count: int | None = Field(default=None, ge=1, le=1000)
    """With `after: product_views`: after this many product views in the visit."""
    exit_intent: bool = False
    """Offer it when the shopper is about to leave the page instead."""

    def matches_page(self, path: str) -> bool:
        """Whether the URL path `path` matches one of the page patterns."""
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.pages)


class Survey(_Strict):
    """A micro-survey: ordered questions, where it shows, to whom, how often."""

    id: str = _ident()
    title: str = Field(min_length=1, max_length=200)
    """For the admin; shoppers see the questions."""
    locale: str | None = Field(default=None, max_length=35)
    """BCP 47 language tag of the texts (ja, zh-CN, de-CH); none: English."""
    locales: list[Annotated[str, Field(min_length=2, max_length=35)]] = []
    """Languages the survey is translated into through the catalogue (docs/i18n.md); `surveys check` warns of a
    text untranslated."""
    sites: list[Annotated[str, Field(min_length=1, max_length=64)]] = []
    """Public keys of the sites that show the survey; none: every site."""
    active: bool = True
    questions: list[Question] = []
    placement: Placement = Placement()
    audience: dict[str, Any] = {}
    """A condition tree of the promotions' registry (`{all: [...]}`, `{segment: {name: champions}}`); {}: everyone."""
    sample: float = Field(default=1.0, ge=0, le=1)
    """The share of eligible visitors offered the survey (0.25: one in four)."""
    recontact_days: int = Field(default=90, ge=0, le=3650)
    """Days before the same person may see this survey again (shown, answered or dismissed)."""
    thanks: str = Field(default="Thank you!", min_length=1, max_length=500)

    def offered_to(self, site_key: str) -> bool:
        """Whether the site with public key `site_key` shows this survey."""
        return not self.sites or site_key in self.sites

    def question(self, question_id: str) -> Question | None:
        """The question with id `question_id`, if the survey has it."""
        return next((q for q in self.questions if q.id == question_id), None)

    def shows(self, question: Question, scores: dict[str, int]) -> bool:
        """Whether `question` is asked given the scores answered so far (a question without `show_if` always is)."""
        if question.show_if is None:
            return True
        target = self.question(question.show_if.question)
        score = scores.get(question.show_if.question)
        return target is not None and score is not None and score in question.show_if.score_set(target.type)

    def follow_ups(self, question_id: str, score: int) -> list[Question]:
        """The follow-ups that `score` on question `question_id` triggers, in file order."""
        return [q for q in self.questions
                if q.show_if is not None and q.show_if.question == question_id and self.shows(q, {question_id: score})]


HINTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "score_entry": lambda _error: "write a score such as 3, a span such as 0..6, or a group name such as detractor",
}
"""Hints for the errors of this schema's own validators (the flows' loader knows pydantic's)."""

_MODELS: dict[str, type[BaseModel]] = {"": Survey, "placement": Placement, "questions": Question,
                                       "choices": Choice, "show_if": ShowIf}


def known_keys(parent: tuple[str | int, ...], _data: Any) -> list[str]:
    """The keys allowed in the mapping at `parent` (for did-you-mean hints)."""
    names = [p for p in parent if isinstance(p, str)]
    model = _MODELS.get(names[-1] if names else "", Survey)
    return list(model.model_fields)
