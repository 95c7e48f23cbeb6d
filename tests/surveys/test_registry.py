"""The survey registry: loads a folder at once (reload on or off), reloads a changed file, keeps the last good
version of a broken one."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import NotFound
from assistant.surveys.registry import SurveyRegistry
from tests.surveys.test_checks import ROOT, VALID


def write(path: Path, text: str, bump: int) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + bump))  # a distinct mtime, as a later save has


@pytest.mark.parametrize("reload", [True, False])
def test_construction_loads_the_folder_with_reload_on_or_off(tmp_path: Path, reload: bool) -> None:
    write(tmp_path / "a.yaml", VALID, 0)
    registry = SurveyRegistry(tmp_path, reload=reload)
    assert registry._files  # loaded by the constructor itself, before anyone asks
    assert [s.id for s in registry.surveys()] == ["after-order"]
    assert registry.get("after-order").questions[0].type == "nps"


def test_without_reload_nothing_is_rescanned(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, VALID, 0)
    registry = SurveyRegistry(tmp_path, reload=False)
    write(path, VALID.replace("title: After an order", "title: Edited"), 5)
    write(tmp_path / "b.yaml", VALID.replace("id: after-order", "id: other"), 5)
    registry._scanned = 0.0  # as if the rescan interval had long passed
    assert [(s.id, s.title) for s in registry.surveys()] == [("after-order", "After an order")]
    registry.refresh(force=True)
    assert [(s.id, s.title) for s in registry.surveys()] == [("after-order", "Edited"), ("other", "After an order")]


def test_an_edit_is_picked_up_and_a_broken_edit_keeps_the_last_good_version(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "a.yaml"
    write(path, VALID, 0)
    registry = SurveyRegistry(tmp_path)
    write(path, VALID.replace("title: After an order", "title: Edited"), 5)
    registry._scanned = 0.0  # the next call rescans, as a second later
    assert registry.get("after-order").title == "Edited"
    with caplog.at_level(logging.ERROR):
        write(path, VALID.replace("title: After an order", "title: Broken").replace("type: nps", "type: stars"), 10)
        registry._scanned = 0.0
        assert registry.get("after-order").title == "Edited"
    assert f"{path}:6:11: error: question 'score', type" in caplog.text
    assert [(p.line, p.column) for p in registry.problems()[path]] == [(6, 11)]
    write(path, VALID.replace("title: After an order", "title: Fixed"), 15)
    registry.refresh(force=True)
    assert registry.get("after-order").title == "Fixed" and registry.problems() == {}


def test_an_unchanged_save_is_not_reread(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, VALID, 0)
    registry = SurveyRegistry(tmp_path)
    before = registry.get("after-order")
    write(path, VALID, 5)  # touched, same bytes
    registry.refresh(force=True)
    assert registry.get("after-order") is before


def test_a_broken_new_file_is_not_served(tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", "id: bad\ntitle: [\n", 0)
    registry = SurveyRegistry(tmp_path)
    with pytest.raises(NotFound):
        registry.get("bad")
    assert [p.line for p in registry.problems()[tmp_path / "bad.yaml"]] == [3]


def test_duplicate_ids_across_files_and_removed_files(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", VALID, 0)
    write(tmp_path / "b.yaml", VALID, 0)
    registry = SurveyRegistry(tmp_path)
    assert len(registry.surveys()) == 1
    assert registry.problems()[tmp_path / "b.yaml"][0].message == "survey id 'after-order' is already used by a.yaml"
    (tmp_path / "a.yaml").unlink()
    (tmp_path / "b.yaml").unlink()
    registry.refresh(force=True)
    assert registry.surveys() == []


def test_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert SurveyRegistry(tmp_path / "none").surveys() == []


def test_the_setting_defaults_to_the_shipped_folder(tmp_path: Path) -> None:
    assert Settings.from_env({}).surveys_dir == ROOT / "surveys"
    assert Settings.from_env({"ASSISTANT_SURVEYS": str(tmp_path)}).surveys_dir == tmp_path
    shipped = SurveyRegistry(Settings.from_env({}).surveys_dir, reload=False)
    assert {s.id for s in shipped.surveys()} >= {"post-purchase-nps", "quiz-csat", "checkout-ces",
                                                   "post-purchase-nps-ja"}
    assert shipped.problems() == {}


def test_surveys_come_in_file_name_order_whenever_added(tmp_path: Path) -> None:
    write(tmp_path / "m.yaml", VALID.replace("id: after-order", "id: m"), 0)
    registry = SurveyRegistry(tmp_path)
    write(tmp_path / "a.yaml", VALID.replace("id: after-order", "id: a"), 0)
    write(tmp_path / "z.yaml", VALID.replace("id: after-order", "id: z"), 0)
    registry.refresh(force=True)
    assert [s.id for s in registry.surveys()] == ["a", "m", "z"]
