"""Serve the newest trained bundle of each site from memory, swapping in a newer one without a restart."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.recommend import artifacts
from assistant.recommend.base import Strategy
from assistant.recommend.catalog_view import CatalogItem, load_snapshot

log = logging.getLogger(__name__)
CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class Bundle:
    """The fitted strategies of one training run, by name (session, basket, together, similar, ...)."""

    version: str
    models: dict[str, Strategy]
    catalog: dict[str, CatalogItem]

    def get(self, name: str) -> Strategy | None:
        """The strategy `name`, if this bundle has it."""
        return self.models.get(name)


class ModelStore:
    """Loads `root/<site key>/CURRENT` bundles read-only; rechecks the pointer every few seconds."""

    def __init__(self, root: Path, *, check_seconds: float = CHECK_SECONDS) -> None:
        self.root = Path(root)
        self.check_seconds = check_seconds
        self._bundles: dict[str, Bundle | None] = {}
        self._checked: dict[str, float] = {}
        self._lock = threading.Lock()

    def bundle(self, site_key: str) -> Bundle | None:
        """The live bundle of the site (None before its first training)."""
        now = time.monotonic()
        if now - self._checked.get(site_key, -1e9) >= self.check_seconds:
            with self._lock:
                if now - self._checked.get(site_key, -1e9) >= self.check_seconds:
                    self._bundles[site_key] = self._current(site_key, self._bundles.get(site_key))
                    self._checked[site_key] = now
        return self._bundles.get(site_key)

    def _current(self, site_key: str, loaded: Bundle | None) -> Bundle | None:
        folder = self.root / site_key
        try:
            version = (folder / "CURRENT").read_text().strip()
        except OSError:
            return loaded
        if loaded is not None and loaded.version == version:
            return loaded
        try:
            return _load(folder / version)
        except (OSError, ValueError, KeyError) as exc:  # a broken bundle: keep serving the one we have
            log.error("cannot load recommendation bundle %s/%s: %s", site_key, version, exc)
            return loaded


def _load(folder: Path) -> Bundle:
    manifest = json.loads((folder / "manifest.json").read_text())
    models = {name: artifacts.load(folder / f"{name}.npz") for name in manifest["models"]}
    log.info("loaded recommendation bundle %s", folder)
    return Bundle(manifest["version"], models, load_snapshot(folder / "catalog.json"))
