"""Draft files beside the live one are never served; publishing writes the live file in one rename."""

from __future__ import annotations

from pathlib import Path

from assistant.flows.drafts import draft_path, flow_files, write_atomically
from assistant.flows.registry import FlowRegistry
from tests.flows.test_checks import VALID


def test_a_draft_beside_the_live_file_is_never_served(tmp_path: Path) -> None:
    live = tmp_path / "shoes.yaml"
    live.write_text(VALID)
    draft = draft_path(live)
    assert draft.name == "shoes.draft.yaml"
    draft.write_text(VALID.replace("title: Find your shoe", "title: Draft shoes"))
    registry = FlowRegistry(tmp_path)
    assert [f.title for f in registry.flows()] == ["Find your shoe"]
    assert registry.problems() == {}  # no id clash with the draft either
    assert registry.path_of("shoes") == live and flow_files(tmp_path) == [live]


def test_publishing_replaces_the_live_file_whole_and_the_registry_follows(tmp_path: Path) -> None:
    live = tmp_path / "shoes.yaml"
    live.write_text(VALID)
    live.chmod(0o640)
    registry = FlowRegistry(tmp_path)
    write_atomically(live, VALID.replace("title: Find your shoe", "title: Published shoes"))
    registry.refresh(force=True)
    assert registry.get("shoes").title == "Published shoes"
    assert live.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shoes.yaml"]  # no temporary file left
