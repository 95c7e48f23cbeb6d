"""Recommendation strips in the page's language: the strip's title and each reason's sentence from the shipped
catalogues (a template translated, then filled with the catalog's own category or product name), English and
unknown languages as before, byte for byte."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant import paths
from assistant.cli import main
from assistant.cli.i18n import KEYWORDS, METHODS
from assistant.i18n.catalogue import Catalogue
from assistant.paths import resource_dir
from assistant.recommend.service import PLACEMENTS, recommend_for
from assistant.recommend.serving import ModelStore
from assistant.recommend.shopper import Shopper
from assistant.recommend.training import train_site
from assistant.recommend.wording import strip_in
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.factories import make_product
from tests.i18n.conftest import Write
from tests.recommend.test_serving import ADD_ONS, SHOES, orders

CART = "/api/v1/recommendations?site=pk_test&placement=cart&cart=shoe-a&n=2"


@pytest.fixture
def models(app: Flask, session: Session, site: Site, tmp_path: Path) -> ModelStore:
    """A bundle trained on a few orders (shoes with socks), served by the app."""
    for sku, title, price in SHOES:
        make_product(session, site, sku=sku, title=title, price=price, categories="Shoes")
    for sku, title, price in ADD_ONS:
        make_product(session, site, sku=sku, title=title, price=price, categories="Extras")
    orders(session, site, [["shoe-a", "sock-1"], ["shoe-a", "sock-1"], ["shoe-a", "spray-1"], ["shoe-b", "sock-1"],
                           ["shoe-c", "bottle-1"], ["shoe-a", "shoe-b"], ["pack-1", "bottle-1"]])
    train_site(session=session, site=site, root=tmp_path / "models", now=utcnow())
    store = ModelStore(tmp_path / "models", check_seconds=0)
    app.extensions["assistant"]["models"] = store
    return store


def answer(client: FlaskClient, query: str) -> str:
    """The strip's JSON text with its (random) id blanked."""
    response = client.get(query)
    assert response.status_code == 200
    return re.sub(r'"rec":"r_[0-9a-f]+"', '"rec":"r_"', response.get_data(as_text=True))


def test_a_german_page_reads_the_strips_title_and_reasons_in_german(client: FlaskClient, models: ModelStore) -> None:
    body = client.get(CART + "&lang=de-DE").get_json()
    assert body["title"] == "Vervollständigen Sie Ihre Bestellung"
    assert body["items"][0]["reason"] == {"kind": "bought_together", "text": "Oft zusammen mit Trail Runner A gekauft"}
    assert body["items"][0]["product"]["title"] == "Merino Sock"  # the catalog's own words stay


def test_an_arabic_page_reads_them_in_arabic(client: FlaskClient, models: ModelStore) -> None:
    body = client.get(CART + "&lang=ar").get_json()
    assert body["title"] == "أكمل طلبك"
    assert body["items"][0]["reason"]["text"] == "غالبًا ما يُشترى مع Trail Runner A"


@pytest.mark.parametrize("lang", ["en", "en-GB", "fr", "xx-YY", "zz", "1"])
def test_english_and_unknown_languages_answer_exactly_as_without_a_language(client: FlaskClient, models: ModelStore,
                                                                          lang: str) -> None:
    english = answer(client, CART)
    assert '"title":"Complete your order"' in english and "Often bought with Trail Runner A" in english
    assert answer(client, f"{CART}&lang={lang}") == english


def test_a_strip_kept_for_every_shopper_is_kept_in_english_and_shown_in_each_language(
        client: FlaskClient, models: ModelStore) -> None:
    home = "/api/v1/recommendations?site=pk_test&placement=home&n=3"
    english = answer(client, home)
    german = client.get(home + "&lang=de").get_json()
    assert german["title"] == "Für Sie ausgewählt"
    assert {item["reason"]["text"] for item in german["items"]} <= {"Gerade besonders gefragt",
                                                                    "Beliebt bei anderen Kunden"}
    assert answer(client, home) == english and "Picked for you" in english


def test_a_category_template_is_translated_then_filled_with_the_catalogs_name(session: Session, site: Site,
                                                                              models: ModelStore) -> None:
    bundle = models.bundle(site.key)
    assert bundle is not None
    only_popular = type(bundle)(bundle.version, {"popular": bundle.models["popular"]}, bundle.catalog)
    result = recommend_for(bundle=only_popular, placement=PLACEMENTS["product"], shopper=Shopper(viewing="shoe-c"),
                           n=2)
    assert {r.text for _, r in strip_in(result, "de").items} == {"Beliebt in Shoes"}
    assert {r.text for _, r in strip_in(result, "ar").items} == {"رائج في فئة Shoes"}
    assert {r.text for _, r in strip_in(result, "fr", "de").items} == {"Beliebt in Shoes"}  # the site's default
    assert strip_in(result, "en", "de") is result and strip_in(result, "") is result


def test_the_free_shipping_gap_is_priced_in_the_pages_locale(site: Site, models: ModelStore) -> None:
    result = recommend_for(bundle=models.bundle(site.key), placement=PLACEMENTS["checkout"],
                           shopper=Shopper(cart=("shoe-c",), cart_value=90.0), n=4, free_shipping=100.0,
                           price_locale="de_DE")
    assert strip_in(result, "de-DE").items[0][1].text == "Bringt die fehlenden 10,00\xa0€ bis zum kostenlosen Versand"


def test_a_translation_that_lost_its_placeholder_shows_the_english_sentence(
        client: FlaskClient, models: ModelStore, translations: Write) -> None:
    translations("de", {"Complete your order": "Ihre Bestellung", "Often bought with {}": "Oft zusammen gekauft {x}"})
    body = client.get(CART + "&lang=de").get_json()
    assert body["title"] == "Ihre Bestellung"
    assert body["items"][0]["reason"]["text"] == "Often bought with Trail Runner A"
    translations("de", {"Complete your order": "Zu Ihrer Bestellung"})  # a changed catalogue is read again
    assert client.get(CART + "&lang=de").get_json()["title"] == "Zu Ihrer Bestellung"


def _strip_words() -> dict[str, list[tuple[str, int]]]:
    """Every text marked N_() in assistant/recommend/, with its locations, as `assistant i18n extract` finds them."""
    found: dict[str, list[tuple[str, int]]] = {}
    methods = [(pattern, method) for pattern, method in METHODS if pattern.startswith("assistant/recommend/")]
    for name, line, message, _comments, _context in extract_from_dir(str(resource_dir("flows").parent), methods,
                                                                      keywords=KEYWORDS):
        found.setdefault(str(message), []).append((name, line))
    return found


def test_every_title_and_reason_is_extracted_at_its_line() -> None:
    found = _strip_words()
    assert {p.title for p in PLACEMENTS.values()} | {"Popular in {}", "Often bought with {}", "Trending now",
                                                      "From your quiz: {}", "Our pick"} <= set(found)
    root = resource_dir("flows").parent
    for message, locations in found.items():
        for name, line in locations:
            assert f'N_("{message}")' in (root / name).read_text().splitlines()[line - 1], (name, line, message)


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_the_shipped_catalogues_translate_every_word_of_the_strips(locale: str) -> None:
    shipped = Catalogue(resource_dir("translations")).locales()[locale].texts
    missing = set(_strip_words()) - set(shipped)
    assert not missing
    assert all(shipped[text].count("{}") == text.count("{}") for text in _strip_words())


def test_extract_takes_only_n_marks_from_python_with_the_translators_note(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "assistant" / "recommend").mkdir(parents=True)
    (tmp_path / "assistant" / "recommend" / "words.py").write_text(
        'a = _("Not a marker") + t("nor this")\n# Translators: {} is a category\nb = N_("Popular in {}")\n')
    monkeypatch.setattr(paths, "_CHECKOUT", tmp_path)
    assert CliRunner().invoke(main, ["i18n", "extract"]).exit_code == 0
    with (tmp_path / "translations" / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    marked = template.get("Popular in {}")
    assert marked is not None and marked.locations == [("assistant/recommend/words.py", 3)]
    assert marked.auto_comments == ["Translators: {} is a category"]
    assert "Not a marker" not in template and "nor this" not in template
