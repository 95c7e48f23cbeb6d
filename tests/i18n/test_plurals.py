"""Counted texts: gettext's msgstr[0..n] named by CLDR plural category, so the widget's Intl.PluralRules picks the
very form the catalogue's Plural-Forms expression would (German two forms, Arabic six); and GET /strings sends them."""

from __future__ import annotations

import gettext
import shutil
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask.testing import FlaskClient

from assistant.i18n import catalogue
from assistant.i18n.catalogue import Catalogue
from assistant.i18n.plurals import by_category, category_indexes
from assistant.paths import resource_dir
from assistant.sites.models import Site

GERMAN = "(n != 1)"
ARABIC = ("(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : n % 100 >= 3 && n % 100 <= 10 ? 3 : n % 100 >= 11 && "
          "n % 100 <= 99 ? 4 : 5)")
COUNTED = ("{0} product matches your answers.", "{0} products match your answers.")
AR_FORMS = ("لا يطابق إجاباتك أي منتج.", "منتج واحد يطابق إجاباتك.", "منتجان يطابقان إجاباتك.",
            "{0} منتجات تطابق إجاباتك.", "{0} منتجًا يطابق إجاباتك.", "{0} منتج يطابق إجاباتك.")
COUNTS = [0, 1, 2, 3, 11, 100]


def test_german_and_arabic_categories_name_the_forms_gettext_picks() -> None:
    assert category_indexes("de", GERMAN) == {"one": 0, "other": 1}
    assert category_indexes("ar", ARABIC) == {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 4, "other": 5}


@pytest.mark.parametrize(("locale", "expression", "forms"), [
    ("de", GERMAN, ("{0} Produkt passt.", "{0} Produkte passen.")), ("ar", ARABIC, AR_FORMS)])
@pytest.mark.parametrize("n", COUNTS)
def test_cldrs_category_and_the_plural_forms_expression_choose_the_same_form(
        locale: str, expression: str, forms: tuple[str, ...], n: int) -> None:
    named = by_category(forms, category_indexes(locale, expression))
    assert named[Locale.parse(locale).plural_form(n)] == forms[gettext.c2py(expression)(n)]


def test_the_arabic_forms_of_0_1_2_3_11_and_100() -> None:
    named = by_category(AR_FORMS, category_indexes("ar", ARABIC))
    chosen = [named[Locale.parse("ar").plural_form(n)].replace("{0}", str(n)) for n in COUNTS]
    assert chosen == ["لا يطابق إجاباتك أي منتج.", "منتج واحد يطابق إجاباتك.", "منتجان يطابقان إجاباتك.",
                      "3 منتجات تطابق إجاباتك.", "11 منتجًا يطابق إجاباتك.", "100 منتج يطابق إجاباتك."]


def test_a_counted_text_missing_a_form_is_left_to_english() -> None:
    assert by_category(("{0} Produkt passt.", ""), category_indexes("de", GERMAN)) == {}
    assert by_category(("{0} Produkt passt.",), category_indexes("de", GERMAN)) == {}


def _write(folder: Path, locale: str, forms: tuple[str, ...], *, fuzzy: bool = False) -> None:
    po = folder / locale / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    made = Catalog(locale=locale)
    made.add(COUNTED, forms, [("static/widget/quiz.js", 1)], flags=["fuzzy"] if fuzzy else [])
    made.add(("{0} flow", "{0} flows"), forms, [("flows/x.yaml", 1)])  # not the widget's
    with po.open("wb") as handle:
        write_po(handle, made)


def test_the_catalogue_reads_the_widgets_counted_texts_by_category(tmp_path: Path) -> None:
    _write(tmp_path, "ar", AR_FORMS)
    _write(tmp_path, "de", ("{0} Produkt passt.", "{0} Produkte passen."), fuzzy=True)
    known = Catalogue(tmp_path).locales()
    assert known["ar"].plurals == {COUNTED[0]: dict(zip(["zero", "one", "two", "few", "many", "other"], AR_FORMS,
                                                        strict=True))}
    assert known["de"].plurals == {}  # fuzzy: English until a translator confirms it
    assert COUNTED[0] not in known["ar"].widget


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_the_shipped_counted_texts_have_every_form_and_keep_the_second_placeholder(locale: str) -> None:
    plurals = Catalogue(resource_dir("translations")).locales()[locale].plurals
    assert set(plurals) >= {COUNTED[0], "{0} product matches your answers; here are the best {1}."}
    wanted = {"de": {"one", "other"}, "ar": {"zero", "one", "two", "few", "many", "other"}}[locale]
    for source, forms in plurals.items():
        assert set(forms) == wanted
        assert all(("{1}" in form) == ("{1}" in source) for form in forms.values())
        assert "{0}" in forms["other"]


def test_get_strings_carries_the_plural_forms(client: FlaskClient, site: Site, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "ar", AR_FORMS)
    _write(tmp_path, "de", ("{0} Produkt passt.", "{0} Produkte passen."))
    monkeypatch.setattr(catalogue, "FOLDER", tmp_path)
    arabic = client.get("/api/v1/strings?site=pk_test&lang=ar-EG").get_json()
    assert (arabic["locale"], arabic["plurals"][COUNTED[0]]["two"]) == ("ar", "منتجان يطابقان إجاباتك.")
    assert arabic["plurals"][COUNTED[0]]["many"] == "{0} منتجًا يطابق إجاباتك."
    german = client.get("/api/v1/strings?site=pk_test&lang=de").get_json()["plurals"]
    assert german == {COUNTED[0]: {"one": "{0} Produkt passt.", "other": "{0} Produkte passen."}}
    assert client.get("/api/v1/strings?site=pk_test&lang=fr").get_json()["plurals"] == {}  # English: the widget's own


def test_a_compiled_catalogue_gives_the_widget_the_same_words_and_forms(tmp_path: Path) -> None:
    """A .mo keeps no source locations: the template (messages.pot) tells the widget's words apart."""
    shutil.copytree(resource_dir("translations"), tmp_path / "translations")
    for po in (tmp_path / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as handle:
            compiled = read_po(handle)
        with po.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, compiled)
    from_mo, from_po = Catalogue(tmp_path / "translations").locales(), Catalogue(resource_dir("translations")).locales()
    for locale in ("de", "ar"):
        assert from_mo[locale].widget == from_po[locale].widget and from_mo[locale].widget
        assert from_mo[locale].plurals == from_po[locale].plurals and from_mo[locale].plurals
