"""Content similarity: neighbours within a category, and near-duplicates kept out of one strip."""

from __future__ import annotations

from assistant.recommend.base import Context
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.popular import Popular
from assistant.recommend.service import PLACEMENTS, recommend_for
from assistant.recommend.serving import Bundle
from assistant.recommend.shopper import Shopper
from assistant.recommend.similar import ContentSimilar
from tests.recommend.helpers import sessions_to_interactions

TITLES = {"boot-40": "Alpine leather hiking boot waterproof", "boot-41": "Alpine leather hiking boot waterproof",
          "sandal": "Beach sandal cork sole", "tent": "Two person dome tent"}
CATEGORIES = {"boot-40": "Shoes", "boot-41": "Shoes", "sandal": "Shoes", "tent": "Camping"}


def similar() -> ContentSimilar:
    skus = sorted(TITLES)
    return ContentSimilar(n_neighbors=3).fit_catalog(item_ids=skus, texts=[TITLES[s] for s in skus],
                                                     prices=[100.0] * len(skus),
                                                     categories=[CATEGORIES[s] for s in skus])


def test_neighbours_stay_in_the_category_and_say_why() -> None:
    found = similar().recommend(Context(viewing="boot-40"), n=5)
    assert [s.item_id for s in found] == ["boot-41", "sandal"]
    assert found[0].reason.kind == "similar" and found[0].reason.source_item == "boot-40"


def test_near_duplicates_are_the_nearly_identical_neighbours() -> None:
    model = similar()
    assert model.near_duplicates("boot-40", 0.9) == ("boot-41",)
    assert model.near_duplicates("sandal", 0.9) == () and model.near_duplicates("unknown", 0.9) == ()


def test_a_strip_shows_one_of_two_near_duplicates() -> None:
    popular = Popular().fit(sessions_to_interactions([["boot-40", "boot-41", "tent"]] * 3 + [["boot-41", "sandal"]]))
    catalog = {sku: CatalogItem(sku, title, "", "", 100.0, "EUR", (CATEGORIES[sku],), None, {})
               for sku, title in TITLES.items()}
    bundle = Bundle("v1", {"popular": popular, "similar": similar()}, catalog)
    result = recommend_for(bundle=bundle, placement=PLACEMENTS["home"], shopper=Shopper(), n=4)
    assert [p.sku for p, _ in result.items] == ["boot-41", "tent", "sandal"]
