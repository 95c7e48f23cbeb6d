"""What belongs to a person, table by table: the rows an export reads and a deletion removes, in one place.

Aggregates that are not personal data stay: product popularity and the trained recommendation bundles
(their arrays hold items and co-occurrences, never visitor or customer ids; the session kNN keeps past
visits' item lists without who made them, and the next `assistant train` is built without the deleted
events), campaigns, experiment results already computed, and the catalog. A customer's e-mail opt-out is
exported but kept (`Part.kept`): the one row that stops reminders, should the same customer id come back with
its old consent trait (from the shop's own records, say), is the objection the person made, not data to erase.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, false, or_, select

from assistant.baskets.models import Basket, BasketMessage, EmailOptOut
from assistant.flows.models import QuizSession
from assistant.insight.models import CustomerFigure
from assistant.privacy.subjects import Subject
from assistant.surveys.models import SurveyResponse
from assistant.tracking.models import Cart, Customer, Event, ShopOrder, Visitor, VisitSession


@dataclass(frozen=True)
class PerCustomerTable:
    """A table keyed by site and a customer key (the customer id, or `v:<visitor id>` for an anonymous buyer)."""

    table: Table
    name: str = ""
    """The table's name in exports and deletion reports (default: the table's own name)."""
    site_column: str = "site_id"
    key_column: str = "customer_key"


PER_CUSTOMER_TABLES: list[PerCustomerTable] = [PerCustomerTable(CustomerFigure.__table__, name="figures")]  # type: ignore[attr-defined]
"""The extension point for tables computed per customer (RFM, CLV, churn risk): a table listed here is
exported and deleted with the rest of the person's data."""


@dataclass(frozen=True)
class Part:
    """One kind of a person's data: its name in exports and reports, its table, and the rows that are theirs."""

    name: str
    table: Table
    where: ColumnElement[bool]
    kept: bool = False
    """Exported but not deleted: the e-mail opt-out, so that an erased customer who comes back is not mailed."""


def _table(model: object) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def parts_of(site_id: int, subject: Subject) -> list[Part]:
    """Every kind of data held about `subject`, in an order a deletion may follow (rows that point at others first)."""
    visitors, anons, customer = list(subject.visitor_ids), list(subject.anon_ids), subject.customer_id
    event, visit, cart = _table(Event), _table(VisitSession), _table(Cart)
    quiz, order, person, browser = _table(QuizSession), _table(ShopOrder), _table(Customer), _table(Visitor)
    answers = _table(SurveyResponse)
    by_customer = order.c.customer_id == customer if customer is not None else false()
    answered_as = answers.c.customer_id == customer if customer is not None else false()
    basket, message, opt_out = _table(Basket), _table(BasketMessage), _table(EmailOptOut)
    theirs = (basket.c.site_id == site_id) & or_(basket.c.visitor_id.in_(visitors),
                                                 basket.c.customer_id == customer if customer is not None else false())
    parts = [
        Part("events", event, (event.c.site_id == site_id) & event.c.visitor_id.in_(visitors)),
        Part("visits", visit, (visit.c.site_id == site_id) & visit.c.visitor_id.in_(visitors)),
        Part("carts", cart, (cart.c.site_id == site_id) & cart.c.visitor_id.in_(visitors)),
        Part("quiz_sessions", quiz, (quiz.c.site_id == site_id) & quiz.c.visitor_id.in_(anons)),
        Part("orders", order, (order.c.site_id == site_id) & or_(order.c.visitor_id.in_(visitors), by_customer)),
        Part("survey_responses", answers,
             (answers.c.site_id == site_id) & or_(answers.c.visitor_id.in_(visitors), answered_as)),
        Part("basket_messages", message, message.c.basket_id.in_(select(basket.c.id).where(theirs))),
        Part("baskets", basket, theirs),
        Part("email_opt_out", opt_out, (opt_out.c.site_id == site_id) & (opt_out.c.customer_id == customer)
             if customer is not None else false(), kept=True),
    ]
    for extra in PER_CUSTOMER_TABLES:
        columns = extra.table.c
        parts.append(Part(extra.name or extra.table.name, extra.table,
                          (columns[extra.site_column] == site_id) & columns[extra.key_column].in_(list(subject.keys))))
    parts.append(Part("customer", person, (person.c.site_id == site_id) & (person.c.customer_id == customer)
                      if customer is not None else false()))
    parts.append(Part("visitors", browser, (browser.c.site_id == site_id) & browser.c.id.in_(visitors)))
    return parts
