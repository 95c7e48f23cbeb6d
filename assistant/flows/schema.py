"""The shape of a flow file: Flow, Entry, Question, Answer, Results."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

QuestionType = Literal["single", "multi", "range", "scale"]


def _ident() -> Any:
    return Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _ident_or_none() -> Any:
    return Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Strict):
    """Where the widget offers the flow and how."""

    pages: list[str] = ["*"]
    trigger: Literal["button", "auto", "inline"] = "button"
    label: str | None = None


class Answer(_Strict):
    """One choice of a single or multi question."""

    id: str = _ident()
    text: str = Field(min_length=1)
    filter: dict[str, Any] = {}
    boost: dict[str, Any] = {}
    reason: str | None = None
    neutral: bool = False


class Question(_Strict):
    """One intent question; `when` asks it only after the given answers."""

    id: str = _ident()
    text: str = Field(min_length=1)
    type: QuestionType
    help: str | None = None
    when: dict[str, str | list[str]] = {}
    optional: bool = False
    importance: int = Field(default=1, ge=1, le=10)
    answers: list[Answer] = []
    field: str | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = Field(default=None, gt=0)
    unit: str | None = None
    labels: list[str] = []
    reason: str | None = None
    weight: float = Field(default=1.0, gt=0)
    remember: bool | None = None
    """Carry this question's answer into the same customer's next run of the flow; None: as the flow says."""

    def answer(self, answer_id: str) -> Answer | None:
        """The answer with id `answer_id`, if the question has it."""
        return next((a for a in self.answers if a.id == answer_id), None)


class Results(_Strict):
    """How results are picked and shown."""

    count: int = Field(default=6, ge=1, le=24)
    fallback: Literal["popular", "rating", "none"] = "popular"
    explain: bool = True


class ExperimentVariant(_Strict):
    """One arm of a flow experiment: the flow served to it and its share of the visitors (in %)."""

    flow: str = _ident()
    share: float = Field(gt=0, le=100)


class Experiment(_Strict):
    """Variants of this flow served to sticky shares of visitors; the flow itself is the control arm."""

    id: str = _ident()
    variants: list[ExperimentVariant] = Field(min_length=2)


class Flow(_Strict):
    """A product finder: questions whose answers filter and boost products."""

    id: str = _ident()
    title: str = Field(min_length=1)
    description: str = ""
    sites: list[Annotated[str, Field(min_length=1, max_length=64)]] = []
    """Public keys of the sites that offer the flow; none: every site (one shop, the demo)."""
    locales: list[Annotated[str, Field(min_length=2, max_length=35)]] = []
    """Languages the flow is offered in besides its own (English): `flows check` warns of a text untranslated."""
    entry: Entry = Entry()
    scope: dict[str, Any] = {}
    questions: list[Question] = []
    results: Results = Results()
    remember: bool = False
    """When the same customer (or browser) starts the flow again, pre-answer the questions answered last time."""
    experiment: Experiment | None = None
    """Serve other flows (`variant_of:` this one) to shares of this one's visitors (flows/experiments.py)."""
    variant_of: str | None = _ident_or_none()
    """This flow is a variant in the experiment of that flow: never listed on its own."""

    def offered_to(self, site_key: str) -> bool:
        """Whether the site with public key `site_key` offers this flow."""
        return not self.sites or site_key in self.sites

    def question(self, question_id: str) -> Question | None:
        """The question with id `question_id`, if the flow has it."""
        return next((q for q in self.questions if q.id == question_id), None)

    def remembers(self, question: Question) -> bool:
        """Whether `question`'s answer is carried into the customer's next run (its own `remember`, else the flow's)."""
        return self.remember if question.remember is None else question.remember

    @property
    def remembers_any(self) -> bool:
        """Whether some question's answer is carried into the next run."""
        return any(self.remembers(q) for q in self.questions)


_MODELS: dict[str, type[BaseModel]] = {"": Flow, "entry": Entry, "results": Results,
                                       "questions": Question, "answers": Answer, "experiment": Experiment,
                                       "variants": ExperimentVariant}


def known_keys(parent: tuple[str | int, ...], _data: Any) -> list[str]:
    """The keys allowed in the mapping at `parent` (for did-you-mean hints)."""
    names = [p for p in parent if isinstance(p, str)]
    model = _MODELS.get(names[-1] if names else "", Flow)
    return list(model.model_fields)
