"""The flow registry: loads a folder, reloads a changed file, keeps the last good version."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from assistant.errors import NotFound
from assistant.flows.registry import FlowRegistry
from tests.flows.test_checks import VALID


def write(path: Path, text: str, bump: int) -> None:
    path.write_text(text)
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + bump))  # a distinct mtime, as a later save has


def test_loads_matches_pages_and_reloads_on_change(tmp_path: Path) -> None:
    path = tmp_path / "shoes.yaml"
    write(path, VALID.replace("title: Find your shoe", "title: Shoes\nentry: {pages: ['/running/*']}"), 0)
    registry = FlowRegistry(tmp_path)
    assert registry.get("shoes").title == "Shoes"
    assert [f.id for f in registry.for_page("/running/trail")] == ["shoes"]
    assert registry.for_page("/cart") == []
    write(path, VALID.replace("title: Find your shoe", "title: Shoes v2"), 5)
    registry.refresh(force=True)
    assert registry.get("shoes").title == "Shoes v2"


def test_broken_edit_keeps_last_good_version_and_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "shoes.yaml"
    write(path, VALID, 0)
    registry = FlowRegistry(tmp_path)
    with caplog.at_level(logging.ERROR):
        write(path, VALID.replace("type: range", "type: slider"), 5)
        registry.refresh(force=True)
    assert registry.get("shoes").title == "Find your shoe"
    assert f"{path}:12:11: error: question 'budget', type" in caplog.text
    assert [p.line for p in registry.problems()[path]] == [12]
    write(path, VALID.replace("Find your shoe", "Fixed"), 10)
    registry.refresh(force=True)
    assert registry.get("shoes").title == "Fixed" and registry.problems() == {}


def test_broken_new_file_is_not_served(tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", "id: bad\ntitle: [\n", 0)
    registry = FlowRegistry(tmp_path)
    with pytest.raises(NotFound):
        registry.get("bad")


def test_duplicate_flow_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", VALID, 0)
    write(tmp_path / "b.yaml", VALID, 0)
    registry = FlowRegistry(tmp_path)
    assert len(registry.flows()) == 1
    assert registry.problems()[tmp_path / "b.yaml"][0].message == "flow id 'shoes' is already used by a.yaml"


def test_removed_file_is_dropped(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", VALID, 0)
    registry = FlowRegistry(tmp_path)
    (tmp_path / "a.yaml").unlink()
    registry.refresh(force=True)
    assert registry.flows() == []


def test_without_reload_loads_once_and_never_rescans(tmp_path: Path) -> None:
    path = tmp_path / "shoes.yaml"
    write(path, VALID, 0)
    registry = FlowRegistry(tmp_path, reload=False)
    assert [f.id for f in registry.flows()] == ["shoes"]
    write(path, VALID.replace("title: Find your shoe", "title: Edited"), 5)
    write(tmp_path / "other.yaml", VALID.replace("id: shoes", "id: other"), 5)
    registry._scanned = 0.0  # as if the rescan interval had long passed
    assert [(f.id, f.title) for f in registry.flows()] == [("shoes", "Find your shoe")]
