"""Hostile YAML costs nothing, wherever YAML is read: refused fast, in bounded memory, at its line, with a hint,
and the last good version is what is served (flows, merchandising rules) or nothing changes (campaign import,
conditions)."""

from __future__ import annotations

import logging
import os
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant import safe_yaml
from assistant.flows.loader import load_text
from assistant.flows.registry import FlowRegistry, get_registry
from assistant.mapping_file import load_mapping_text
from assistant.merchandising import rules
from assistant.safe_yaml import YamlProblem, load
from assistant.sites.models import Site
from tests.admin.test_campaigns import campaigns, marketer, page, post
from tests.flows.test_checks import VALID
from tests.hostile_yaml import HOSTILE_YAML, as_key
from tests.promotions.helpers import make_campaign

CASES = list(HOSTILE_YAML.values())
NAMES = list(HOSTILE_YAML)
FAST = 1.0
"""Seconds a refusal may take on a loaded test machine (each takes milliseconds)."""


def bump(path: Path, text: str, seconds: int) -> None:
    path.write_text(text)
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + seconds))


@pytest.mark.parametrize(("value", "words"), CASES, ids=NAMES)
def test_refused_fast_in_bounded_memory_with_line_and_hint(value: str, words: str) -> None:
    text = as_key("id: x\ntitle: y", value)
    started = time.perf_counter()
    with pytest.raises(YamlProblem) as refused:
        load(text)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    with pytest.raises(YamlProblem):
        load(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert words in refused.value.message and seconds < FAST and peak < 20_000_000, (seconds, peak)
    assert refused.value.line >= 3 or "document" in NAMES[CASES.index((value, words))]
    assert refused.value.hint or refused.value.syntax


def test_plain_yaml_still_loads() -> None:
    assert load("a: [1, 2.5, {b: 'c'}]\nd: 1_000\ne: 2026-02-28\n")["d"] == 1000
    assert load("") is None


@pytest.mark.parametrize(("value", "words"), CASES, ids=NAMES)
def test_a_flow_file_is_refused_and_the_last_good_version_served(tmp_path: Path, value: str, words: str,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "shoes.yaml"
    bump(path, VALID, 0)
    registry = FlowRegistry(tmp_path)
    started = time.perf_counter()
    with caplog.at_level(logging.ERROR):
        bump(path, as_key(VALID, value), 5)
        registry.refresh(force=True)
    assert time.perf_counter() - started < FAST
    assert registry.get("shoes").title == "Find your shoe"
    (problem,) = registry.problems()[path]
    assert words in problem.message and str(path) in caplog.text
    assert load_text(as_key(VALID, value), path=str(path)).problems == [problem]


def test_get_flows_never_a_500_with_a_hostile_file_beside_a_good_one(app: Flask, client: FlaskClient, site: Site,
                                                                    flows_dir: Path) -> None:
    (flows_dir / "shoes.yaml").write_text(VALID)
    for number, (value, _) in enumerate(CASES):
        (flows_dir / f"hostile-{number}.yaml").write_text(as_key(VALID.replace("id: shoes", f"id: h{number}"), value))
    started = time.perf_counter()
    with app.app_context():
        get_registry().refresh(force=True)  # what the next request does once the files' change is noticed
    responses = [client.get("/api/v1/flows?site=pk_test") for _ in range(8)]
    assert time.perf_counter() - started < 8 * FAST
    assert {r.status_code for r in responses} == {200}
    assert [f["id"] for f in responses[-1].get_json()["flows"]] == ["shoes"]


@pytest.mark.parametrize(("value", "words"), CASES, ids=NAMES)
def test_merchandising_rules_keep_the_last_good_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        value: str, words: str,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(rules, "CHECK_SECONDS", 0.0)
    path = tmp_path / "merchandising.yaml"
    bump(path, "rules:\n  - {boost: {brand: Acme}, factor: 2}\n", 0)
    good = rules.load_rules(path)
    assert len(good) == 1
    started = time.perf_counter()
    with caplog.at_level(logging.ERROR):
        bump(path, as_key("rules: []", value), 5)
        assert rules.load_rules(path) == good
    assert time.perf_counter() - started < FAST and words in caplog.text


def test_a_campaign_import_changes_nothing(client: FlaskClient, session: Session, site: Site) -> None:
    make_campaign(session, site, name="Kept", priority=1)
    document = "campaigns:\n  - name: Kept\n    placement: cart\n    priority: 9\n    variants: [{key: a, message: hi}]"
    marketer(client, session)
    for name, (value, words) in HOSTILE_YAML.items():
        started = time.perf_counter()
        response = post(client, "/admin/campaigns/import", {"yaml": as_key(document, value)})
        assert time.perf_counter() - started < 2 * FAST, name
        if "document" in name:
            assert response.status_code == 413  # past the request size limit, before any YAML is read
            continue
        html = page(response)
        assert response.status_code == 200 and "Nothing imported" in html, name
        assert words.replace("(", "(").split(" (")[0] in html.replace("&amp;", "&"), (name, html[:2000])
    assert [(c.name, c.priority) for c in campaigns(session, site)] == [("Kept", 1)]


def test_conditions_refuse_hostile_yaml_at_their_field(client: FlaskClient, session: Session, site: Site) -> None:
    marketer(client, session)
    for name, (value, _) in HOSTILE_YAML.items():
        if "document" in name:
            continue  # a form field is bounded by the request size, not the YAML reader
        for url in ("/admin/campaigns/audience", "/admin/campaigns/preview"):
            started = time.perf_counter()
            response = post(client, url, {"conditions": f"extra: {value}"})
            assert response.status_code == 200 and time.perf_counter() - started < 2 * FAST, (name, url)


@pytest.mark.parametrize(("value", "words"), CASES, ids=NAMES)
def test_a_catalog_mapping_file_is_refused_at_its_line(value: str, words: str) -> None:
    loaded = load_mapping_text(as_key("sku: id\ntitle: name", value), path="mapping.yaml")
    assert loaded.mapping is None and len(loaded.problems) == 1 and words in loaded.problems[0].message


def test_a_file_too_large_to_read_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safe_yaml, "MAX_BYTES", 4000)
    monkeypatch.setattr(rules, "CHECK_SECONDS", 0.0)
    flow, merchandising = tmp_path / "shoes.yaml", tmp_path / "merchandising.yaml"
    bump(flow, VALID, 0)
    bump(merchandising, "rules:\n  - {boost: {brand: Acme}, factor: 2}\n", 0)
    registry, good = FlowRegistry(tmp_path), rules.load_rules(merchandising)
    huge = "# padding\n" * 500
    bump(flow, VALID + huge, 5)
    bump(merchandising, "rules: []\n" + huge, 5)
    registry.refresh(force=True)
    assert registry.get("shoes").title == "Find your shoe" and rules.load_rules(merchandising) == good
    (problem,) = registry.problems()[flow]
    assert (problem.line, problem.message) == (1, f"the file has {flow.stat().st_size:,} bytes; at most 4,000 are read")


def test_every_yaml_reader_goes_through_safe_yaml() -> None:
    package = Path(__file__).resolve().parents[1] / "assistant"
    reader = re.compile(r"(?<![\w.])yaml\.(?:safe_|full_|unsafe_)?(?:load|compose|parse)(?:_all)?\(")
    found = [f"{path.relative_to(package)}: {match}" for path in package.rglob("*.py") if path.name != "safe_yaml.py"
             for match in reader.findall(path.read_text(encoding="utf-8"))]
    assert found == []
    assert reader.search("yaml.safe_load(text)") and not reader.search("safe_yaml.load(text)")


def test_a_key_written_twice_is_refused_by_every_reader_at_the_second_naming_the_first() -> None:
    with pytest.raises(YamlProblem) as refused:
        load("rules:\n  - name: a\n    boost: {x: 1}\n    boost: {y: 2}\n")
    assert (refused.value.line, refused.value.column) == (4, 5)
    assert refused.value.message == "'boost' is written twice, here and at line 3"
