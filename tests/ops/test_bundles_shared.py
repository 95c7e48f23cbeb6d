"""Bundles on a volume every node reads: a corrupt or partial bundle never replaces the one a node serves,
/readyz says what is served and why the current one was refused, and `assistant train` runs on one node at a time.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlmodel import Session

from assistant import cli, leases
from assistant.recommend import training
from assistant.recommend.serving import ModelStore
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.recommend.test_serving import catalog, trained  # noqa: F401 (fixtures: a trained site)

pytestmark = pytest.mark.usefixtures("catalog")


def publish_copy(store: ModelStore, site: Site, version: str, source: str | None = None) -> Path:
    """A copy of the live bundle (or `source`) as `version`, with CURRENT pointing at it (then broken by the test)."""
    folder = store.root / site.key
    live = folder / (source or (folder / "CURRENT").read_text().strip())
    copy = folder / version
    shutil.copytree(live, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "version": version}))
    (folder / "CURRENT").write_text(version)
    return copy


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


BREAKAGES = {
    "truncated npz": lambda copy: truncate(copy / "basket.npz"),
    "missing file": lambda copy: (copy / "catalog.json").unlink(),
    "half-written folder": lambda copy: [p.unlink() for p in copy.iterdir() if p.name != "manifest.json"],
    "truncated snapshot": lambda copy: truncate(copy / "catalog.json"),
    "no folder": lambda copy: shutil.rmtree(copy),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_current_bundle_keeps_the_one_served(trained: ModelStore, site: Site, app: Flask, breakage: str,  # noqa: F811
                                                      caplog: pytest.LogCaptureFixture) -> None:
    app.extensions["assistant"]["models"] = trained
    good = trained.bundle(site.key)
    assert good is not None
    copy = publish_copy(trained, site, "29990101T000000-1")
    BREAKAGES[breakage](copy)
    with caplog.at_level(logging.ERROR, logger="assistant.recommend.serving"):
        assert trained.bundle(site.key) is good
        assert trained.bundle(site.key) is good
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 1 and f"keeping {good.version}" in logged[0], logged  # once per version, not per check
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["bundles"] == {site.key: good.version}
    assert "29990101T000000-1" not in json.dumps(ready.json["bundles"]) and ready.json["bundle_problems"][site.key]

    shutil.rmtree(copy, ignore_errors=True)
    publish_copy(trained, site, "29990101T000000-1", good.version)  # completed later: served next check
    assert trained.bundle(site.key).version == "29990101T000000-1"  # type: ignore[union-attr]
    assert "bundle_problems" not in app.test_client().get("/readyz").json


def test_a_node_starting_on_a_broken_bundle_is_ready_without_one(trained: ModelStore, site: Site,  # noqa: F811
                                                                app: Flask) -> None:
    BREAKAGES["truncated npz"](publish_copy(trained, site, "29990101T000000-1"))
    fresh = ModelStore(trained.root, check_seconds=0)  # a node started after the bad copy: nothing to keep
    app.extensions["assistant"]["models"] = fresh
    assert fresh.bundle(site.key) is None
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200 and ready.json["bundles"] == {site.key: None}, ready.json
    assert "BadZipFile" in ready.json["bundle_problems"][site.key]


def test_readiness_loads_a_bundle_trained_since_the_node_warmed_up(trained: ModelStore, site: Site,  # noqa: F811
                                                                  app: Flask) -> None:
    """A site trained for the first time after start-up, with no recommendation traffic yet: /readyz loads it
    (as the warm-up would have) instead of answering 503 until a shopper asks, on every node at once."""
    fresh = ModelStore(trained.root)
    app.extensions["assistant"]["models"] = fresh
    assert fresh.version(site.key) is None
    ready = app.test_client().get("/readyz")
    current = (trained.root / site.key / "CURRENT").read_text().strip()
    assert ready.status_code == 200 and ready.json["bundles"] == {site.key: current}, ready.json


def test_training_that_fails_midway_publishes_nothing(trained: ModelStore, site: Site, session: Session,  # noqa: F811
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    good = trained.bundle(site.key)
    saved: list[str] = []

    def save_then_crash(model: object, path: Path) -> None:
        if saved:
            raise OSError(28, "No space left on device")
        saved.append(path.name)
        path.write_bytes(b"PK")  # half a file, as a full disk leaves it

    monkeypatch.setattr(training.artifacts, "save", save_then_crash)
    with pytest.raises(OSError):
        training.train_site(session=session, site=site, root=trained.root, now=utcnow() + timedelta(seconds=5))
    folder = trained.root / site.key
    assert (folder / "CURRENT").read_text() == good.version  # type: ignore[union-attr]
    assert [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")] == [good.version]  # type: ignore[union-attr]
    assert trained.bundle(site.key) is good


def test_train_runs_on_one_node_the_other_says_who_holds_it(trained: ModelStore, site: Site, session: Session,  # noqa: F811
                                                            database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ASSISTANT_MODELS", str(trained.root))
    before = (trained.root / site.key / "CURRENT").read_text()
    assert leases.acquire(session=session, name="train", holder="node-a:4242:abc123", now=utcnow(), seconds=600)
    skipped = CliRunner().invoke(cli.main, ["train", "--site", site.key])
    assert skipped.exit_code == 0, skipped.output
    assert skipped.output.strip() == "skipped: `assistant train` is running on node-a:4242:abc123"
    assert (trained.root / site.key / "CURRENT").read_text() == before

    leases.release(session=session, name="train", holder="node-a:4242:abc123")
    ran = CliRunner().invoke(cli.main, ["train", "--site", site.key])
    assert ran.exit_code == 0, ran.output
    assert (trained.root / site.key / "CURRENT").read_text() != before
    assert session.get(leases.JobLease, "train") is None  # released at the end: the next run need not wait
