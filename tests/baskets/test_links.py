"""The reminder's signed links: tokens that round-trip for their purpose only, expire (restore) or not
(unsubscribe); a click counted once; an unsubscribe honoured at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlmodel import Session, select

from assistant.baskets.links import basket_token, read_token, record_click, unsubscribe
from assistant.baskets.models import Basket, BasketMessage, EmailOptOut
from assistant.errors import Invalid
from assistant.sites.models import Site
from tests.baskets.messages_helpers import NOW, SECRET, make_basket, make_message


def statuses(session: Session, *messages: BasketMessage) -> list[str]:
    return [session.exec(select(BasketMessage.status).where(BasketMessage.id == m.id)).one() for m in messages]


@pytest.mark.parametrize("purpose", ["restore", "unsubscribe"])
def test_a_token_names_its_basket_for_its_purpose_only(purpose: str) -> None:
    other = "unsubscribe" if purpose == "restore" else "restore"
    token = basket_token(secret_key=SECRET, basket_id=42, purpose=purpose, now=NOW)  # type: ignore[arg-type]
    assert read_token(secret_key=SECRET, token=token, purpose=purpose, now=NOW) == 42  # type: ignore[arg-type]
    assert len(token) < 80 and token.replace("-", "").replace("_", "").replace(".", "").isalnum()
    for secret, asked, text in ((SECRET, other, token), ("another secret", purpose, token),
                                (SECRET, purpose, token[:-1] + ("A" if token[-1] != "A" else "B")),
                                (SECRET, purpose, token.replace(".", ".x", 1)), (SECRET, purpose, ""),
                                (SECRET, purpose, "x" * 500)):
        with pytest.raises(Invalid) as raised:
            read_token(secret_key=secret, token=text, purpose=asked, now=NOW)  # type: ignore[arg-type]
        assert raised.value.field == "token"


def test_a_restore_link_expires_after_thirty_days_an_unsubscribe_link_never() -> None:
    restore = basket_token(secret_key=SECRET, basket_id=7, purpose="restore", now=NOW)
    leave = basket_token(secret_key=SECRET, basket_id=7, purpose="unsubscribe", now=NOW)
    assert read_token(secret_key=SECRET, token=restore, purpose="restore", now=NOW + timedelta(days=29)) == 7
    with pytest.raises(Invalid, match="expired"):
        read_token(secret_key=SECRET, token=restore, purpose="restore", now=NOW + timedelta(days=31))
    assert read_token(secret_key=SECRET, token=leave, purpose="unsubscribe", now=NOW + timedelta(days=3650)) == 7


def test_a_signed_value_that_is_no_basket_id_is_refused() -> None:
    for value in ("7", -1, 0, True, [7]):
        signed = URLSafeTimedSerializer(SECRET, salt="assistant.baskets.restore").dumps(value)
        with pytest.raises(Invalid):
            read_token(secret_key=SECRET, token=str(signed), purpose="restore", now=NOW)


def test_the_first_click_is_recorded_once(session: Session, site: Site) -> None:
    basket = make_basket(session, site)
    clicked = record_click(session=session, basket_id=basket.id or 0, now=NOW)
    assert clicked is not None and clicked.clicked_at is not None
    record_click(session=session, basket_id=basket.id or 0, now=NOW + timedelta(hours=1))
    session.commit()
    session.expire_all()
    stored = session.get(Basket, basket.id)
    assert stored is not None and stored.clicked_at is not None
    assert stored.clicked_at.replace(tzinfo=None) == NOW.replace(tzinfo=None)
    assert record_click(session=session, basket_id=999_999, now=NOW) is None


def test_unsubscribe_opts_out_closes_and_cancels_at_once(session: Session, site: Site) -> None:
    basket = make_basket(session, site)
    second = make_basket(session, site)  # the same customer on another device
    stranger = make_basket(session, site, customer_id="c-2")
    sent, waiting = make_message(session, basket, status="sent"), make_message(session, basket, step=2)
    dead, other = make_message(session, second, status="dead"), make_message(session, second, step=2)
    theirs = make_message(session, stranger)
    unsubscribe(session=session, basket_id=basket.id or 0, now=NOW)
    session.commit()
    session.expire_all()
    for each in (basket, second):
        stored = session.get(Basket, each.id)
        assert stored is not None
        assert (stored.closed_reason, stored.next_step_at) == ("unsubscribed", None)
    untouched = session.get(Basket, stranger.id)
    assert untouched is not None and untouched.closed_at is None
    assert statuses(session, sent, waiting, dead, other, theirs) == ["sent", "cancelled", "dead", "cancelled",
                                                                    "pending"]
    opt_out = session.get(EmailOptOut, (site.pk, "c-1"))
    assert opt_out is not None and opt_out.basket_id == basket.id


def test_unsubscribing_twice_or_from_a_closed_basket_is_fine(session: Session, site: Site) -> None:
    bought = make_basket(session, site, closed_at=NOW, closed_reason="purchased", next_step_at=None)
    unsubscribe(session=session, basket_id=bought.id or 0, now=NOW)
    unsubscribe(session=session, basket_id=bought.id or 0, now=NOW)
    unsubscribe(session=session, basket_id=999_999, now=NOW)
    session.commit()
    session.expire_all()
    stored = session.get(Basket, bought.id)
    assert stored is not None and stored.closed_reason == "purchased"
    assert len(session.exec(select(EmailOptOut)).all()) == 1
