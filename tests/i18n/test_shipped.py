"""The demo's translations as shipped: the running-shoe flow, the NPS survey, the demo's campaigns and every word
of the widget in German and Arabic, and the template in step with the files (`assistant i18n extract` was run)."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_file
from click.testing import CliRunner

from assistant.cli import main
from assistant.cli.i18n import KEYWORDS
from assistant.demo.campaigns import CAMPAIGNS
from assistant.i18n.catalogue import Catalogue
from assistant.i18n.extract import extract_campaigns
from assistant.paths import resource_dir

LOCALES = ["de", "ar"]


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return Catalogue(resource_dir("translations"))


def _widget_words() -> set[str]:
    folder = resource_dir("static") / "widget"
    return {message for path in sorted(folder.glob("*.js"))
            for _line, message, _comments, _context in extract_from_file("javascript", str(path), KEYWORDS)
            if isinstance(message, str)}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_word_of_the_widget_and_the_demo_campaigns_is_translated(shipped: Catalogue, locale: str) -> None:
    words = _widget_words()
    assert {"Back", "Question {0} of {1}", "Dismiss", "Send"} <= words
    assert words - set(shipped.locales()[locale].widget) == set()
    campaigns = {text for _number, text in extract_campaigns(CAMPAIGNS)}
    assert campaigns - set(shipped.locales()[locale].texts) == set()


def test_the_demo_flow_and_survey_check_without_a_missing_translation() -> None:
    runner = CliRunner()
    flows = runner.invoke(main, ["flows", "check", "--no-catalog", str(resource_dir("flows") / "running-shoes.yaml")])
    surveys = runner.invoke(main, ["surveys", "check", str(resource_dir("surveys") / "post-purchase-nps.yaml")])
    assert (flows.exit_code, surveys.exit_code) == (0, 0)
    assert "warning" not in flows.output + surveys.output, flows.output + surveys.output


def test_the_placeholders_of_the_widgets_words_are_kept(shipped: Catalogue) -> None:
    for locale in LOCALES:
        for source, translation in shipped.locales()[locale].widget.items():
            assert [p for p in ("{0}", "{1}") if p in source] == [p for p in ("{0}", "{1}") if p in translation]
