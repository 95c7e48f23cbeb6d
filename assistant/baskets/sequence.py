"""The reminder sequence: each due basket moves one step, and its message goes into the outbox with it.

A step is claimed by one conditional UPDATE (the basket's step and cart state as read, still open) in the
same transaction as the message's INSERT, so two runs at once, or a run repeated, queue a step once: the
loser's UPDATE matches no row and it inserts nothing (and the message's unique idempotency key would refuse
a second copy anyway). The message is rendered before the transaction, so SQLite's write lock is not held
while templates and recommendations are worked out. A holdout basket moves through the same steps and
gets `first_reminder_at` (when its reminder would have gone), but no message.

When the job has not run for a while, a basket whose later steps are due too sends only the latest one
due: a shopper never gets two reminders in one run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.baskets import compose
from assistant.baskets.models import Basket, BasketMessage
from assistant.baskets.settings import BasketSettings
from assistant.db import write_transaction
from assistant.sites.models import Site
from assistant.timeutil import as_utc

log = logging.getLogger(__name__)
BATCH = 500
"""Baskets moved per run and site at most (the next run takes the rest)."""


def due_step(basket: Basket, settings: BasketSettings, now: datetime) -> int:
    """The 0-based index of the step to take now: the latest one whose time has come (at least the next one)."""
    changed = as_utc(basket.cart_updated_at)
    due = basket.step
    for index in range(basket.step + 1, len(settings.steps)):
        if changed + timedelta(minutes=settings.steps[index].after_minutes) <= now:
            due = index
    return due


def advance(*, session: Session, site: Site, settings: BasketSettings, now: datetime, base_url: str,
            secret_key: str) -> int:
    """Take the next step of every due open basket of `site`; messages queued (holdout steps are not counted)."""
    query = (select(Basket.id).where(Basket.site_id == site.id, col(Basket.closed_at).is_(None),
                                     col(Basket.next_step_at) <= now)
             .order_by(col(Basket.next_step_at)).limit(BATCH))
    due = [basket_id for basket_id in session.exec(query) if basket_id is not None]
    session.commit()
    queued = 0
    for basket_id in due:
        queued += _step(session, site, settings, basket_id, now, base_url, secret_key)
    return queued


def _step(session: Session, site: Site, settings: BasketSettings, basket_id: int, now: datetime, base_url: str,
          secret_key: str) -> int:
    """Move one basket on; 1 when a message was queued, else 0 (a holdout step, or another run took it)."""
    basket = session.get(Basket, basket_id, populate_existing=True)
    if (basket is None or basket.closed_at is not None or basket.step >= len(settings.steps)
            or basket.next_step_at is None or as_utc(basket.next_step_at) > now):
        return 0  # closed, or moved on by another run since it was found due
    index = due_step(basket, settings, now)
    composed = None
    if not basket.holdout:
        try:
            composed = compose.compose_step(session=session, site=site, basket=basket, step=index + 1,
                                            settings=settings, base_url=base_url, secret_key=secret_key, now=now)
        except Exception:  # a broken template must not stop the other baskets; this one stays due
            log.exception("basket %s: step %s could not be rendered", basket_id, index + 1)
            session.rollback()
            return 0
    following = index + 1
    next_at = (as_utc(basket.cart_updated_at) + timedelta(minutes=settings.steps[following].after_minutes)
               if following < len(settings.steps) else None)
    try:
        with write_transaction(session):
            claimed = session.execute(
                update(Basket).where(col(Basket.id) == basket_id, col(Basket.step) == basket.step,
                                     col(Basket.cart_updated_at) == basket.cart_updated_at,
                                     col(Basket.closed_at).is_(None))
                .values(step=following, next_step_at=next_at, updated_at=now,
                        first_reminder_at=func.coalesce(col(Basket.first_reminder_at), now))
                .execution_options(synchronize_session=False))
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return 0
            if composed is not None:
                session.add(BasketMessage(
                    site_id=site.pk, basket_id=basket_id, step=following, channel=settings.channel,
                    idempotency_key=f"basket-{basket_id}-step-{following}", to_address=basket.email,
                    subject=composed.subject[:300], html=composed.html, text_body=composed.text,
                    payload=composed.payload, status="pending", next_attempt_at=now, created_at=now))
    except IntegrityError:  # the step's message is already queued: nothing more to do
        return 0
    return 1 if composed is not None else 0
