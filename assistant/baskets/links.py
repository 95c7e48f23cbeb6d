"""The reminder's two links: back to the cart, and unsubscribe; signed tokens naming the basket.

A token is the basket id signed with the app's secret key (itsdangerous, HMAC-SHA256) and a salt per
purpose, so a restore token cannot unsubscribe anyone and the reverse. Restore tokens expire after
RESTORE_DAYS (a reminder's cart is stale by then); unsubscribe tokens never do, since an unsubscribe
link must keep working for as long as the e-mail is kept. The timestamp comes from the caller's
clock (`now`), so the job and the tests decide what time it is.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Literal

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.baskets.models import Basket, BasketMessage, EmailOptOut
from assistant.errors import Invalid
from assistant.timeutil import utcnow

Purpose = Literal["restore", "unsubscribe"]
RESTORE_DAYS = 30
MAX_TOKEN = 200
"""The longest token read: a real one is about 60 characters."""
_SALTS: dict[str, str] = {"restore": "assistant.baskets.restore", "unsubscribe": "assistant.baskets.unsubscribe"}


def _serializer(secret_key: str, purpose: str, now: datetime | None) -> URLSafeTimedSerializer:
    if purpose not in _SALTS:
        raise ValueError(f"unknown token purpose {purpose!r}")
    stamp = int((now or utcnow()).timestamp())

    class _Clocked(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    return URLSafeTimedSerializer(secret_key, salt=_SALTS[purpose], signer=_Clocked,
                                  signer_kwargs={"digest_method": hashlib.sha256})


def basket_token(*, secret_key: str, basket_id: int, purpose: Purpose, now: datetime | None = None) -> str:
    """A URL-safe token naming `basket_id` for `purpose`, signed at `now` (default: the current time)."""
    return str(_serializer(secret_key, purpose, now).dumps(int(basket_id)))


def read_token(*, secret_key: str, token: str, purpose: Purpose, now: datetime | None = None) -> int:
    """The basket id of a token made by basket_token for `purpose`; Invalid(field="token") when it is not one,
    was tampered with, or (restore) is older than RESTORE_DAYS at `now`."""
    if not token or len(token) > MAX_TOKEN:
        raise Invalid("is not a link of a reminder e-mail", field="token")
    max_age = int(timedelta(days=RESTORE_DAYS).total_seconds()) if purpose == "restore" else None
    try:
        value = _serializer(secret_key, purpose, now).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Invalid(f"has expired: a reminder's link back to the cart works for {RESTORE_DAYS} days",
                      field="token") from None
    except BadData:
        raise Invalid("is not a link of a reminder e-mail (it was changed or cut short)", field="token") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid("is not a link of a reminder e-mail", field="token")
    return value


def record_click(*, session: Session, basket_id: int, now: datetime) -> Basket | None:
    """Note the first click on a reminder's link back to the cart (later clicks change nothing); the basket,
    or None when it no longer exists."""
    basket = session.get(Basket, basket_id)
    if basket is None:
        return None
    session.execute(update(Basket).where(col(Basket.id) == basket_id, col(Basket.clicked_at).is_(None))
                    .values(clicked_at=now, updated_at=now))  # one statement: two clicks at once count once
    session.flush()
    session.refresh(basket)
    return basket


def unsubscribe(*, session: Session, basket_id: int, now: datetime) -> None:
    """Opt the basket's customer out of the site's reminders, close their open baskets and cancel every message
    still waiting, at once. Unsubscribing twice, or from a closed basket, is fine."""
    basket = session.get(Basket, basket_id)
    if basket is None:
        return
    _opt_out(session, basket, now)
    open_ids = list(session.exec(select(Basket.id).where(
        Basket.site_id == basket.site_id, Basket.customer_id == basket.customer_id,
        col(Basket.closed_at).is_(None))))
    if open_ids:
        session.execute(update(Basket).where(col(Basket.id).in_(open_ids)).values(
            closed_at=now, closed_reason="unsubscribed", next_step_at=None, updated_at=now))
    session.execute(update(BasketMessage).where(
        col(BasketMessage.basket_id).in_([basket_id, *open_ids]), col(BasketMessage.status) == "pending")
        .values(status="cancelled"))
    session.flush()
    session.expire(basket)


def _opt_out(session: Session, basket: Basket, now: datetime) -> None:
    if session.get(EmailOptOut, (basket.site_id, basket.customer_id)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(EmailOptOut(site_id=basket.site_id, customer_id=basket.customer_id, created_at=now,
                                    basket_id=basket.id))
    except IntegrityError:  # the same link clicked twice at once: the other click's row stands
        pass
