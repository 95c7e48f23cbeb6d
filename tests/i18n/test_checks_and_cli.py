"""The extractor finds every text a shopper reads with its line; `flows check` and `surveys check` name each text
not translated into a locale the file is offered in, at its line; `assistant i18n` extracts, updates, compiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from assistant import paths
from assistant.cli import main
from assistant.i18n.extract import located_texts
from tests.i18n.conftest import Write

FLOW = """\
id: socks
title: Find your socks
locales: [de, ar]
entry: {label: Sock finder}
questions:
  - id: height
    text: How high?
    type: single
    help: Measured from the heel.
    answers:
      - {id: low, text: Ankle, reason: low cut, filter: {height: [low]}}
      - {id: crew, text: Crew, filter: {height: [crew]}}
  - id: warmth
    text: How warm?
    type: scale
    field: warmth
    min: 1
    max: 2
    labels: [Thin, Thick]
"""

SURVEY = """\
id: csat
title: How did we do?
locales: [de]
questions:
  - id: score
    type: csat
    text: How happy are you with the finder?
    labels: [Very unhappy, Unhappy, Neutral, Happy, Very happy]
thanks: Thanks a lot!
"""


def test_the_extractor_finds_every_text_a_shopper_reads_at_its_line() -> None:
    assert list(located_texts(FLOW)) == [
        (2, "Find your socks"), (4, "Sock finder"), (7, "How high?"), (9, "Measured from the heel."),
        (11, "Ankle"), (11, "low cut"), (12, "Crew"), (14, "How warm?"), (19, "Thin"), (19, "Thick")]
    assert list(located_texts("id: x\nlocale: ja\ntitle: 購入後\n")) == []  # a per-locale file: not a source
    assert list(located_texts("a: [unclosed\n")) == []


def _german_but(missing: set[str], texts: list[str]) -> dict[str, str]:
    return {text: f"DE {text}" for text in texts if text not in missing}


def test_flows_check_names_each_missing_translation_at_its_line(tmp_path: Path, translations: Write) -> None:
    flow = tmp_path / "socks.yaml"
    flow.write_text(FLOW)
    texts = [text for _line, text in located_texts(FLOW)]
    translations("de", _german_but({"Crew", "Thick"}, texts))
    result = CliRunner().invoke(main, ["flows", "check", "--no-catalog", str(flow)])
    assert result.exit_code == 0, result.output  # a warning: shown in English until translated
    lines = [line for line in result.output.splitlines() if ": warning:" in line]
    assert lines == [f"{flow}:3:15: warning: no catalogue for locale 'ar'",
                     f"{flow}:12:26: warning: no 'de' translation of \"Crew\"",
                     f"{flow}:19:20: warning: no 'de' translation of \"Thick\""]


def test_a_fully_translated_flow_checks_clean(tmp_path: Path, translations: Write) -> None:
    flow = tmp_path / "socks.yaml"
    flow.write_text(FLOW.replace("locales: [de, ar]", "locales: [de]"))
    translations("de", _german_but(set(), [text for _line, text in located_texts(FLOW)]))
    result = CliRunner().invoke(main, ["flows", "check", "--no-catalog", str(flow)])
    assert "warning" not in result.output and result.exit_code == 0


def test_surveys_check_names_each_missing_translation_at_its_line(tmp_path: Path, translations: Write) -> None:
    survey = tmp_path / "csat.yaml"
    survey.write_text(SURVEY)
    texts = [text for _line, text in located_texts(SURVEY)]
    translations("de", _german_but({"Neutral", "Thanks a lot!"}, texts))
    result = CliRunner().invoke(main, ["surveys", "check", str(survey)])
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if ": warning:" in line] == [
        f"{survey}:8:37: warning: no 'de' translation of \"Neutral\"",
        f"{survey}:9:9: warning: no 'de' translation of \"Thanks a lot!\""]


def test_extract_update_compile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "socks.yaml").write_text(FLOW)
    (tmp_path / "static" / "widget").mkdir(parents=True)
    (tmp_path / "static" / "widget" / "quiz.js").write_text("var a = t('Back'); var b = 'Not me';\n")
    monkeypatch.setattr(paths, "_CHECKOUT", tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["i18n", "extract"]).exit_code == 0
    with (tmp_path / "translations" / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    assert ("Crew", [("flows/socks.yaml", 12)]) in [(m.id, m.locations) for m in template]
    assert ("Back", [("static/widget/quiz.js", 1)]) in [(m.id, m.locations) for m in template]
    assert "Not me" not in template
    assert "Add it" in template  # the demo's campaigns, seeded from Python
    updated = runner.invoke(main, ["i18n", "update", "--locale", "de"])
    assert updated.exit_code == 0 and "untranslated" in updated.output
    po = tmp_path / "translations" / "de" / "LC_MESSAGES" / "messages.po"
    assert po.exists()
    compiled = runner.invoke(main, ["i18n", "compile"])
    assert compiled.exit_code == 0, compiled.output
    assert po.with_suffix(".mo").exists()
