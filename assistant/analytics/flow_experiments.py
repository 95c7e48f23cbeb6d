"""Per-variant results of a flow experiment: completion, click and purchase, each variant against the control.

The unit is the visitor (assignment is sticky per visitor): a visitor is in the arm recorded on their quiz
sessions of the experiment (quiz_session.experiment and variant, written at the quiz start, so nothing is
re-hashed here). Per visitor:

- **completion**: some run of theirs reached the results (the session is finished);
- **click**: they clicked a product on the results of one of those runs (`quiz_result_click`, whose ref is the
  quiz session id);
- **purchase**: a purchase that counts (tracking.purchases) after their first start, within the attribution
  window (attribution.qualifies: 24 hours). Not only the products the quiz showed: the variants may show
  different ones, and the question is which flow sells more.

Each rate is compared with the control arm's twice, as the campaign results are (analytics.experiments):
always-valid (sequential) first, fixed-horizon second, with the sample ratio check against the shares.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from assistant.flows.models import QuizSession
from assistant.flows.schema import Flow
from assistant.sites.models import Site
from assistant.timeutil import as_utc
from assistant.tracking.models import Event, Visitor
from assistant.tracking.purchases import counted_purchases

from .attribution import Touch, qualifies
from .experiments import Settings
from .stats import RATE_METHOD, SEQUENTIAL_METHOD, Comparison, Srm, compare_rates, compare_rates_sequential, srm_check

CHUNK = 500
METRICS = ("completion", "click", "purchase")


@dataclass
class FlowArm:
    """One variant's visitors and how many of them completed, clicked and bought."""

    flow: str
    share: float
    control: bool
    visitors: int = 0
    completed: int = 0
    clicked: int = 0
    purchased: int = 0
    sequential: dict[str, Comparison] = field(default_factory=dict)
    """Always-valid comparisons with the control, by metric (valid whenever one looks)."""
    fixed: dict[str, Comparison] = field(default_factory=dict)
    """Fixed-horizon comparisons (valid at one look at a size fixed in advance)."""

    def count(self, metric: str) -> int:
        """The visitors who did `metric`."""
        return {"completion": self.completed, "click": self.clicked, "purchase": self.purchased}[metric]

    def rate(self, metric: str) -> float | None:
        """The share of the arm's visitors who did `metric`."""
        return self.count(metric) / self.visitors if self.visitors else None


@dataclass
class FlowExperimentResult:
    """Every arm's numbers and comparisons, and the sample ratio check."""

    flow: str
    experiment: str
    arms: list[FlowArm]
    srm: Srm | None
    unknown_variants: int = 0
    """Visitors recorded in a variant the experiment no longer lists (left out of the arms)."""
    methods: dict[str, str] = field(default_factory=lambda: {"fixed": RATE_METHOD, "sequential": SEQUENTIAL_METHOD})


@dataclass
class _Person:
    arm: str
    first: datetime
    quizzes: set[str] = field(default_factory=set)
    completed: bool = False
    clicked: bool = False
    purchased: bool = False


def flow_experiment_results(*, session: Session, site: Site, flow: Flow, settings: Settings | None = None,
                            experiment: str | None = None) -> FlowExperimentResult:
    """The results of `flow`'s experiment (or of the earlier one with id `experiment`) on `site`."""
    settings = settings or Settings()
    current = flow.experiment
    experiment_id = experiment or (current.id if current else "")
    shares = {v.flow: v.share for v in current.variants} if current and current.id == experiment_id else {}
    arms = {key: FlowArm(key, share, key == flow.id) for key, share in shares.items()}
    people = _runs(session, site, flow.id, experiment_id)
    for person in people.values():
        arms.setdefault(person.arm, FlowArm(person.arm, 0.0, person.arm == flow.id))
    _clicks(session, site, people)
    _purchases(session, site, people)
    for person in people.values():
        arm = arms[person.arm]
        arm.visitors += 1
        arm.completed += person.completed
        arm.clicked += person.clicked
        arm.purchased += person.purchased
    _compare(list(arms.values()), settings)
    listed = [a for a in arms.values() if a.share > 0]
    srm = srm_check([a.visitors for a in listed], [a.share for a in listed]) if listed else None
    result = FlowExperimentResult(flow.id, experiment_id, list(arms.values()), srm)
    result.methods["sequential"] = SEQUENTIAL_METHOD.format(tuning=settings.sequential_tuning)
    return result


def _runs(session: Session, site: Site, flow_id: str, experiment: str) -> dict[str, _Person]:
    query = (select(col(QuizSession.id), col(QuizSession.visitor_id), col(QuizSession.variant),
                    col(QuizSession.finished), col(QuizSession.created_at))
             .where(col(QuizSession.site_id) == site.id, col(QuizSession.experiment) == experiment,
                    col(QuizSession.flow_id) == flow_id, col(QuizSession.visitor_id).is_not(None))
             .order_by(col(QuizSession.created_at)))
    people: dict[str, _Person] = {}
    for quiz_id, visitor, variant, finished, created in session.execute(query):
        person = people.setdefault(visitor, _Person(variant or flow_id, as_utc(created)))
        person.quizzes.add(quiz_id)
        person.completed = person.completed or bool(finished)
    return people


def _clicks(session: Session, site: Site, people: dict[str, _Person]) -> None:
    owner = {quiz: person for person in people.values() for quiz in person.quizzes}
    for chunk in _chunks(list(owner)):
        query = select(col(Event.ref)).where(col(Event.site_id) == site.id, col(Event.type) == "quiz_result_click",
                                             col(Event.ref).in_(chunk))
        for (ref,) in session.execute(query):
            owner[ref].clicked = True


def _purchases(session: Session, site: Site, people: dict[str, _Person]) -> None:
    ids: dict[int, _Person] = {}
    for chunk in _chunks(list(people)):
        query = select(col(Visitor.id), col(Visitor.anon_id)).where(col(Visitor.site_id) == site.id,
                                                                    col(Visitor.anon_id).in_(chunk))
        ids.update({pk: people[anon] for pk, anon in session.execute(query)})
    for bought in counted_purchases(session=session, site=site, visitor_ids=list(ids)):
        person = ids[bought.visitor_id]
        start = Touch("quiz", False, person.first, None, "")
        if qualifies(start, as_utc(bought.occurred_at), bought.session_id):
            person.purchased = True


def _compare(arms: Sequence[FlowArm], settings: Settings) -> None:
    control = next((a for a in arms if a.control), None)
    if control is None:
        return
    for arm in arms:
        if arm is control:
            continue
        for metric in METRICS:
            pair = (arm.count(metric), arm.visitors), (control.count(metric), control.visitors)
            arm.fixed[metric] = replace(compare_rates(*pair, confidence=settings.confidence,
                                                      min_visitors=settings.min_visitors), metric=metric)
            arm.sequential[metric] = replace(compare_rates_sequential(
                *pair, confidence=settings.confidence, tuning=settings.sequential_tuning,
                min_visitors=settings.min_visitors), metric=metric)


def _chunks(items: list[str] | list[int]) -> Iterator[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
