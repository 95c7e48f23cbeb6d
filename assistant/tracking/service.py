"""record_events: validate each event, store the good ones idempotently, derive visits, carts, identities."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.catalog.money import to_minor
from assistant.db import raw_write_transaction
from assistant.errors import Invalid
from assistant.sites.models import Site
from assistant.storable import CLEAN_TEXT
from assistant.tracking import bots
from assistant.tracking.carts import apply_cart_event
from assistant.tracking.identity import identify
from assistant.tracking.pg_batch import store_one_visit
from assistant.tracking.schemas import (
    EVENT,
    EVENT_TYPES,
    MAX_BATCH,
    CartChange,
    CartState,
    Identify,
    Purchase,
    occurred_times,
)
from assistant.tracking.store import Store
from assistant.tracking.visitors import SESSION_GAP, Context, control_of, one_visit, touch_visitor

_ANON_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
_COLUMNS = {"id", "type", "ts", "page", "sku"}  # stored in columns of their own, not in the event's data
_SIDE_EFFECTS = (Identify, CartChange, CartState, Purchase)  # events that change more than the event table
CLEAN_CONTEXT = {CLEAN_TEXT: True}


@dataclass(frozen=True)
class Rejected:
    """An event that was not stored: its index in the batch, the field and why."""

    index: int
    field: str
    reason: str


@dataclass
class BatchResult:
    """What happened to a batch: stored, already stored (retries), rejected, or dropped as a bot."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    bot: bool = False
    stored: set[str] = field(default_factory=set)
    """The client ids stored by this batch (not those stored before)."""


@dataclass(frozen=True)
class ParsedBatch:
    """A batch checked without the database: its visitor, the valid events in time order, the rejected."""

    anon_id: str
    user_agent: str
    received: datetime
    events: list[Any] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    columns: list[tuple[Any, ...]] = field(default_factory=list)
    """Per event: client id, type, sku, ref, value_minor, currency, page, data as JSON (see store.EVENT_COLUMNS)."""
    rejected: list[Rejected] = field(default_factory=list)
    bot: bool = False

    @property
    def plain(self) -> bool:
        """Whether the batch changes nothing but the event, visitor and visit tables (no cart, order or identity)."""
        return not any(isinstance(event, _SIDE_EFFECTS) for event in self.events)


def parse_batch(batch: Any, *, site: Site, user_agent: str, now: datetime, clean_text: bool = False) -> ParsedBatch:
    """Validate `batch` ({visitor, events: [...]}) event by event; Invalid if the envelope itself is bad.

    Everything a stored row needs but the visitor is worked out here, before any database work. `clean_text`:
    the batch was parsed from JSON text that storable.clean_json_text passed (its strings need no second look;
    numbers, lists and objects are still checked).
    """
    context = CLEAN_CONTEXT if clean_text else None
    anon_id, raw_events = _envelope(batch)
    if bots.is_bot(user_agent):
        return ParsedBatch(anon_id, user_agent, now, bot=True)
    parsed = ParsedBatch(anon_id, user_agent, now)
    events = []
    for index, raw in enumerate(raw_events):
        try:
            events.append(EVENT.validate_python(raw, context=context))
        except ValidationError as exc:
            parsed.rejected.append(_rejection(index, exc))
    times = occurred_times(events, now)
    order = sorted(range(len(events)), key=times.__getitem__)  # stable: same-time events keep batch order
    parsed.times.extend(times[i] for i in order)
    parsed.events.extend(events[i] for i in order)
    parsed.columns.extend(_columns(event, site.currency) for event in parsed.events)
    return parsed


def store_batch(*, session: Session, site: Site, parsed: ParsedBatch) -> BatchResult:
    """Store the valid events of `parsed` idempotently, with their visits, carts and identities; the caller commits."""
    result = BatchResult(rejected=parsed.rejected, bot=parsed.bot)
    if not parsed.events:
        return result
    engine = session.get_bind()
    if isinstance(engine, Engine) and parsed.plain and _stored_in_one_statement(engine, site, parsed, result):
        return result
    store = Store(session)
    visitor_id = _store_events(store, site, parsed, result)
    for event, when in zip(parsed.events, parsed.times, strict=True):
        if event.id in result.stored:
            _side_effects(session, site, visitor_id, event, when)
    return result


def store_plain_batch(*, engine: Engine, site: Site, parsed: ParsedBatch,
                      before_commit: Callable[[], None] | None = None) -> BatchResult:
    """Store a plain batch (ParsedBatch.plain) without a SQLAlchemy session, committed before it returns.

    Most batches are page and product views: on a pooled DBAPI connection (db.raw_write_transaction) they skip a
    session's set-up, commit and tear-down, a fifth of a batch's work in process. `before_commit` is called
    inside the transaction, just before its commit (a fault-injection point)."""
    assert parsed.plain
    result = BatchResult(rejected=parsed.rejected, bot=parsed.bot)
    before_commit = before_commit or (lambda: None)
    if not parsed.events or _stored_in_one_statement(engine, site, parsed, result):
        before_commit()  # nothing to commit, or committed by its one statement: the point is still passed
        return result
    with raw_write_transaction(engine) as (connection, before_write):
        store = Store.on(connection.cursor(), postgres=engine.dialect.name == "postgresql", before_write=before_write)
        _store_events(store, site, parsed, result)
        before_commit()
    return result


def _stored_in_one_statement(engine: Engine, site: Site, parsed: ParsedBatch, result: BatchResult) -> bool:
    """PostgreSQL: a plain batch of one visit in one autocommit statement (pg_batch.py); False when not taken."""
    times = parsed.times
    if engine.dialect.name != "postgresql" or not one_visit(times):
        return False
    rows = [(site.id, columns[0], None, None, *columns[1:], when, parsed.received)
            for columns, when in zip(parsed.columns, times, strict=True)]
    done = store_one_visit(engine, site_id=site.pk, anon_id=parsed.anon_id, since=times[0] - SESSION_GAP,
                           first=times[0], last=times[-1], attrs=_context(parsed).visit_attributes(), rows=rows,
                           in_control=control_of(site, parsed.anon_id))
    if done is None:
        return False
    result.stored = done[1]
    result.accepted, result.duplicates = len(done[1]), len(rows) - len(done[1])
    return True


def _store_events(store: Store, site: Site, parsed: ParsedBatch, result: BatchResult) -> int:
    """The visitor's and visits' rows, then the events' (skipping stored ones) into `result`; the visitor's id."""
    times = parsed.times
    touched = touch_visitor(store=store, site=site, anon_id=parsed.anon_id, times=times, context=_context(parsed))
    rows = [(site.id, columns[0], touched.visitor_id, visit, *columns[1:], when, parsed.received)
            for columns, visit, when in zip(parsed.columns, touched.visits, times, strict=True)]
    result.stored = store.insert_events(rows)
    result.accepted, result.duplicates = len(result.stored), len(rows) - len(result.stored)
    return touched.visitor_id


def _context(parsed: ParsedBatch) -> Context:
    """The visit's origin: the batch's first page view (else its first event) and the request's user agent."""
    events = parsed.events
    first_page = next((e for e in events if e.type == "page_view"), events[0])
    return Context(page=first_page.page, referrer=first_page.__dict__.get("referrer", ""),
                   user_agent=parsed.user_agent)


def record_events(*, session: Session, site: Site, batch: Any, user_agent: str, now: datetime) -> BatchResult:
    """Validate and store `batch` ({visitor, events: [...]}); the caller commits."""
    parsed = parse_batch(batch, site=site, user_agent=user_agent, now=now)
    return store_batch(session=session, site=site, parsed=parsed)


def _envelope(batch: Any) -> tuple[str, list[Any]]:
    if not isinstance(batch, dict):
        raise Invalid("the body must be an object {visitor, events}", field="body")
    anon_id = batch.get("visitor")
    if not isinstance(anon_id, str) or not _ANON_ID.match(anon_id):
        raise Invalid("must be 8-64 letters, digits or _.:-", field="visitor")
    events = batch.get("events")
    if not isinstance(events, list) or not events:
        raise Invalid("must be a non-empty list", field="events")
    if len(events) > MAX_BATCH:
        raise Invalid(f"at most {MAX_BATCH} events per batch", field="events")
    return anon_id, events


def _rejection(index: int, exc: ValidationError) -> Rejected:
    error = exc.errors()[0]
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return Rejected(index, f"events[{index}].type", f"must be one of: {', '.join(EVENT_TYPES)}")
    loc = list(error["loc"])
    if loc and loc[0] in EVENT_TYPES:
        loc = loc[1:]  # pydantic puts the discriminator's value first
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    if error["type"] == "unstorable":  # raised for the whole event: the field's path is in the context
        return Rejected(index, f"events[{index}]{path}{error['ctx']['path']}", error["ctx"]["reason"])
    return Rejected(index, f"events[{index}]{path}", error["msg"])


def _columns(event: BaseModel, site_currency: str) -> tuple[Any, ...]:
    fields = event.__dict__  # a pydantic model's values; getattr of an absent field is slow
    ref = fields.get("order_id") or fields.get("ref") or fields.get("quiz") or fields.get("survey_id")
    value = fields.get("value") if fields["type"] in ("purchase", "cart") else None
    currency = (fields.get("currency") or site_currency) if value is not None else None
    value_minor = to_minor(value, currency) if isinstance(value, (int, float)) and currency else None
    data = event.model_dump_json(exclude=_COLUMNS, exclude_defaults=True)
    return (fields["id"], fields["type"], fields.get("sku"), ref, value_minor, currency, fields["page"], data)


def _side_effects(session: Session, site: Site, visitor_id: int, event: BaseModel, when: datetime) -> None:
    if isinstance(event, Identify):
        identify(session=session, site=site, visitor_id=visitor_id, customer_id=event.customer_id,
                 traits=event.traits, now=when)
    elif isinstance(event, (CartChange, CartState, Purchase)):
        apply_cart_event(session=session, site=site, visitor_id=visitor_id, event=event, when=when)
