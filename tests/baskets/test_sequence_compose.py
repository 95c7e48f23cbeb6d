"""The sequence with the real composer: the queued message is rendered, escaped, with its signed restore link."""

from __future__ import annotations

from sqlmodel import Session

from assistant.baskets.detect import detect
from assistant.baskets.sequence import advance
from assistant.baskets.settings import get_settings
from assistant.sites.models import Site
from tests.baskets.shoppers import T0, baskets, enable, messages, minutes, shopper
from tests.factories import make_product


def test_a_step_queues_the_rendered_reminder(session: Session, site: Site) -> None:
    make_product(session, site, sku="sku-1", title="Trail <b>shoe</b>")
    enable(session, site)
    shopper(session, site)
    settings = get_settings(session=session, site=site)
    detect(session=session, site=site, settings=settings, now=T0 + minutes(60))
    session.commit()
    assert advance(session=session, site=site, settings=settings, now=T0 + minutes(60),
                   base_url="https://a.example", secret_key="k") == 1
    [message] = messages(session, site)
    [basket] = baskets(session, site)
    assert "Trail &lt;b&gt;shoe&lt;/b&gt;" in message.html and "<b>shoe" not in message.html
    assert message.payload["idempotency_key"] == message.idempotency_key == f"basket-{basket.id}-step-1"
    assert message.payload["restore_url"].startswith("https://a.example/api/v1/baskets/r/")
    assert message.to_address == basket.email
