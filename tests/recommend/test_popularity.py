"""Training records each product's popularity from views and adds to cart; the quiz's ties and fallback follow it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from assistant.catalog.index import build_index
from assistant.catalog.popularity import record_popularity, scaled
from assistant.catalog.versions import read_versions
from assistant.flows import ranking
from assistant.recommend.training import train_site
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.factories import flow_yaml, load_flow, make_product
from tests.recommend.test_serving import orders

FLOW = load_flow(flow_yaml("""
    id: socks
    title: Socks
    questions:
      - id: kind
        text: Which?
        type: single
        answers:
          - {id: any, text: Any}
"""))


def popularity(session: Session, site: Site) -> dict[str, float]:
    return dict(session.execute(text("SELECT sku, popularity FROM product WHERE site_id = :s"), {"s": site.pk}).all())


def test_training_records_popularity_and_the_quiz_breaks_ties_by_it(session: Session, site: Site,
                                                                    tmp_path: Path) -> None:
    for sku in ("a-sock", "b-sock", "c-sock"):  # equal in everything: the alphabet decided before
        make_product(session, site, sku=sku, title="Merino Sock", price="15", attributes={"colour": sku})
    orders(session, site, [["c-sock", "b-sock"], ["c-sock"], ["c-sock", "b-sock"]])
    before = read_versions(session, site.pk).version
    train_site(session=session, site=site, root=tmp_path / "models", now=utcnow())
    session.commit()
    assert popularity(session, site) == {"a-sock": 0.0, "b-sock": round(2 / 3, 6), "c-sock": 1.0}
    assert read_versions(session, site.pk).version == before + 1, "the indexes must see the change"

    index = build_index(session.connection(), site.pk)
    found = ranking.results(FLOW, [("kind", "any")], index)
    assert [m.product.sku for m in found.items] == ["c-sock", "b-sock", "a-sock"]
    assert ranking.results(FLOW.model_copy(update={"questions": []}), [], index).items[0].product.sku == "c-sock"

    train_site(session=session, site=site, root=tmp_path / "models", now=utcnow())
    session.commit()
    assert read_versions(session, site.pk).version == before + 1, "the same events change nothing"


def test_scaled_and_recorded(session: Session, site: Site) -> None:
    assert scaled({"a": 3, "b": 6, "c": 0}) == {"a": 0.5, "b": 1.0, "c": 0.0}
    assert scaled({}) == {}
    make_product(session, site, sku="x", title="X", price="1")
    make_product(session, site, sku="y", title="Y", price="1")
    assert record_popularity(session=session, site_id=site.pk, popularity={"x": 1.0, "unknown": 0.5}) == 1
    assert popularity(session, site) == {"x": 1.0, "y": 0.0}
    assert record_popularity(session=session, site_id=site.pk, popularity={}) == 1
    assert popularity(session, site) == {"x": 0.0, "y": 0.0}
