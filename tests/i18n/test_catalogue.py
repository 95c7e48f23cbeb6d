"""The catalogue: the fallback order, lookups, directions, re-reading a changed file, flows in another language."""

from __future__ import annotations

import pytest

from assistant.i18n.catalogue import direction, fallback_order, get_catalogue, normalized
from assistant.i18n.localize import localized
from tests.flows.test_engine import SHOES, load_flow
from tests.i18n.conftest import Write


@pytest.mark.parametrize(("tag", "default", "order"), [
    ("de-AT", None, ["de_AT", "de", "en"]),
    ("de-at", "fr", ["de_AT", "de", "fr", "en"]),
    ("", "fr-CA", ["fr_CA", "fr", "en"]),
    ("zh-Hant-TW", None, ["zh_Hant_TW", "zh", "en"]),
    ("en-GB", "de", ["en_GB", "en"]),  # an English page reads English, whatever the site's default
    ("en", "de", ["en"]),
    ("x", None, ["en"]),
    (None, None, ["en"]),
])
def test_the_fallback_order(tag: str | None, default: str | None, order: list[str]) -> None:
    assert fallback_order(tag, default) == order


def test_tags_are_named_as_catalogue_folders() -> None:
    assert [normalized(t) for t in ("ar", "pt_br", "sr-latn-RS", "1x", "")] == ["ar", "pt_BR", "sr_Latn_RS", "", ""]


def test_a_lookup_falls_back_from_region_to_language_to_english(translations: Write) -> None:
    translations("de", {"Back": "Zurück", "Close": "Schließen"})
    translations("de_CH", {"Close": "Zumachen"})
    found = get_catalogue()
    assert found.lookup("Close", "de-CH") == "Zumachen"
    assert found.lookup("Back", "de-CH") == "Zurück"  # the region has no translation: its language's
    assert found.lookup("Back", "fr") == "Back"  # no French: the source text
    assert found.lookup("Back", "fr", default="de") == "Zurück"  # the site's default before English
    assert found.chosen("fr-FR") == "en" and found.chosen("de-AT") == "de"


def test_a_changed_file_is_read_again(translations: Write) -> None:
    translations("de", {"Back": "Zurück"})
    assert get_catalogue().lookup("Back", "de") == "Zurück"
    translations("de", {"Back": "Retour"})
    assert get_catalogue().lookup("Back", "de") == "Retour"


def test_right_to_left_scripts() -> None:
    assert [direction(x) for x in ("ar", "he", "fa", "ur", "de", "ja", "zz")] == ["rtl", "rtl", "rtl", "rtl", "ltr",
                                                                                  "ltr", "ltr"]


def test_a_flow_in_another_language_keeps_its_ids_and_filters(translations: Write) -> None:
    translations("de", {"Where do you run?": "Wo laufen Sie?", "Trail": "Gelände", "trail grip": "Grip im Gelände",
                        "Find your shoe": "Finden Sie Ihren Schuh"})
    flow = load_flow(SHOES)
    german = localized(flow, get_catalogue(), "de-DE")
    assert german.title == "Finden Sie Ihren Schuh"
    terrain = german.questions[0]
    assert (terrain.text, terrain.answers[1].text, terrain.answers[1].reason) == ("Wo laufen Sie?", "Gelände",
                                                                                  "Grip im Gelände")
    assert terrain.answers[0].text == "Road"  # untranslated: English
    assert [a.filter for a in terrain.answers] == [a.filter for a in flow.questions[0].answers]
    assert localized(flow, get_catalogue(), "de") is german  # kept: the results cache sees the same object
    assert localized(flow, get_catalogue(), "fr") is flow
