"""Who a privacy request is about: a shop's customer id, a visitor (`v:<visitor id>`) or a widget's anon id."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from assistant.errors import Invalid, NotFound
from assistant.flows.models import QuizSession
from assistant.sites.models import Site
from assistant.storable import text_problem
from assistant.tracking.models import Customer, ShopOrder, Visitor

MAX_ID = 128
"""The longest customer id the tables hold (anon ids are at most 64)."""
VISITOR_ID = re.compile(r"v:([0-9]{1,18})")


@dataclass(frozen=True)
class Subject:
    """The person a request is about: their customer id (if they identified), visitors and anon ids."""

    asked: str
    customer_id: str | None
    visitor_ids: tuple[int, ...]
    anon_ids: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The person's keys in per-customer tables: the customer id, and `v:<id>` for each visitor."""
        return (*([self.customer_id] if self.customer_id else []), *(f"v:{i}" for i in self.visitor_ids))

    def describe(self) -> dict[str, object]:
        """The subject as shown in an export and an audit line."""
        return {"asked": self.asked, "customer_id": self.customer_id, "visitor_ids": list(self.visitor_ids)}


def parse_subject_id(value: object) -> str:
    """The id as typed, trimmed; Invalid (field `customer`) when it is empty, too long or not storable text."""
    if not isinstance(value, str):
        raise Invalid("must be text", field="customer")
    text = value.strip()
    if not text:
        raise Invalid("is required: a customer id, v:<visitor id> or the widget's anonymous id", field="customer")
    if len(text) > MAX_ID:
        raise Invalid(f"must be at most {MAX_ID} characters (it has {len(text)})", field="customer")
    problem = text_problem(text)
    if problem:
        raise Invalid(problem, field="customer")
    return text


def resolve_subject(*, session: Session, site: Site, subject_id: str) -> Subject:
    """The person `subject_id` names on `site`, with every visitor merged into them; NotFound when nothing is held.

    A customer id wins over an anon id of the same text; a visitor who identified stands for the whole customer.
    """
    text = parse_subject_id(subject_id)
    match = VISITOR_ID.fullmatch(text)
    if match:
        visitor = session.get(Visitor, int(match.group(1)))
        if visitor is not None and visitor.site_id == site.id:
            return _of_visitor(session, site, text, visitor)
    if _is_customer(session, site, text):
        return _of_customer(session, site, text, text)
    visitor = session.exec(select(Visitor).where(Visitor.site_id == site.id, Visitor.anon_id == text)).first()
    if visitor is not None:
        return _of_visitor(session, site, text, visitor)
    quiz = select(QuizSession.id).where(QuizSession.site_id == site.id, QuizSession.visitor_id == text).limit(1)
    if session.exec(quiz).first() is not None:  # quiz answers from a browser that never sent an event
        return Subject(asked=text, customer_id=None, visitor_ids=(), anon_ids=(text,))
    raise NotFound(f"nothing is held for '{text}' on site {site.key}", field="customer")


def _is_customer(session: Session, site: Site, customer_id: str) -> bool:
    if session.get(Customer, (site.id, customer_id)) is not None:
        return True
    linked = select(Visitor.id).where(Visitor.site_id == site.id, Visitor.customer_id == customer_id).limit(1)
    ordered = select(ShopOrder.id).where(ShopOrder.site_id == site.id, ShopOrder.customer_id == customer_id).limit(1)
    return session.exec(linked).first() is not None or session.exec(ordered).first() is not None


def _of_visitor(session: Session, site: Site, asked: str, visitor: Visitor) -> Subject:
    if visitor.customer_id is not None:
        return _of_customer(session, site, asked, visitor.customer_id)
    return Subject(asked=asked, customer_id=None, visitor_ids=(int(visitor.id or 0),), anon_ids=(visitor.anon_id,))


def _of_customer(session: Session, site: Site, asked: str, customer_id: str) -> Subject:
    query = (select(Visitor.id, Visitor.anon_id).where(Visitor.site_id == site.id, Visitor.customer_id == customer_id)
             .order_by(col(Visitor.id)))
    rows = list(session.exec(query))
    return Subject(asked=asked, customer_id=customer_id, visitor_ids=tuple(int(i) for i, _ in rows if i is not None),
                   anon_ids=tuple(a for _, a in rows))
