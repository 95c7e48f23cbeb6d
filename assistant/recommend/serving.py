"""Serve the newest trained bundle of each site from memory, swapping in a newer one without a restart.

Bundles live on a volume every node mounts (ASSISTANT_MODELS): `assistant train` runs once, on one
node, and every process follows the site's CURRENT pointer within CHECK_SECONDS. A bundle that
cannot be read (a truncated .npz, a missing file, CURRENT naming a half-copied folder) is never
served: the process keeps the bundle it has, logs why once per version, tries again on later
checks (a copy may still be completing), and reports it (`problem`, shown by /readyz).
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    """What serving works out once per bundle (what the merchandising rules do to each product)."""

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
        self._broken: dict[str, tuple[str, str]] = {}
        """Per site: the current version that failed to load, and why."""
        self._lock = threading.Lock()

    def bundle(self, site_key: str) -> Bundle | None:
        """The live bundle of the site (None before its first training)."""
        now = time.monotonic()
        if now - self._checked.get(site_key, -1e9) >= self.check_seconds:
            with self._lock:
                if now - self._checked.get(site_key, -1e9) >= self.check_seconds and self._swap(site_key, now):
                    _settle()
        return self._bundles.get(site_key)

    def trained(self, site_key: str) -> bool:
        """Whether the site has a trained bundle on disk (its CURRENT pointer)."""
        return (self.root / site_key / "CURRENT").is_file()

    def loaded(self, site_key: str) -> bool:
        """Whether this process holds the site's current bundle (what /readyz asks; it loads nothing)."""
        bundle = self._bundles.get(site_key)
        try:
            return bundle is not None and bundle.version == (self.root / site_key / "CURRENT").read_text().strip()
        except OSError:
            return bundle is not None

    def version(self, site_key: str) -> str | None:
        """The version of the bundle this process serves for the site (None: none yet)."""
        bundle = self._bundles.get(site_key)
        return bundle.version if bundle is not None else None

    def problem(self, site_key: str) -> str | None:
        """Why the site's current bundle is not served here, when it failed to load (None: no such failure)."""
        broken = self._broken.get(site_key)
        try:
            current = (self.root / site_key / "CURRENT").read_text().strip()
        except OSError:
            return None
        return broken[1] if broken and broken[0] == current and not self.loaded(site_key) else None

    def _swap(self, site_key: str, now: float) -> bool:
        """Make the site's current bundle the live one; whether it changed (the old one is no longer held here)."""
        loaded = self._bundles.get(site_key)
        self._bundles[site_key] = self._current(site_key, loaded)
        self._checked[site_key] = now
        return self._bundles[site_key] is not loaded

    def _current(self, site_key: str, loaded: Bundle | None) -> Bundle | None:
        folder = self.root / site_key
        try:
            version = (folder / "CURRENT").read_text().strip()
        except OSError:
            return loaded
        if loaded is not None and loaded.version == version:
            return loaded
        try:
            bundle = _load(folder / version)
        except Exception as exc:  # noqa: BLE001 (BadZipFile, EOFError, zlib, JSON, OSError...: never serve it)
            reason = f"{type(exc).__name__}: {exc}"
            if self._broken.get(site_key) != (version, reason):
                kept = f"keeping {loaded.version}" if loaded is not None else "no bundle to keep"
                log.error("cannot load recommendation bundle %s/%s (%s): %s", site_key, version, kept, reason)
            self._broken[site_key] = (version, reason)
            return loaded
        self._broken.pop(site_key, None)
        return bundle


def _settle() -> None:
    """Collect once, then keep the collector off everything alive now, the new bundle included.

    A bundle is hundreds of thousands of long-lived objects; left to the collector, each full
    collection walks all of them (0.1-0.2 s at 100,000 products) in the middle of some request.
    """
    gc.unfreeze()  # what the previous bundle left behind may be collected now
    gc.collect()
    gc.freeze()


def _load(folder: Path) -> Bundle:
    enabled = gc.isenabled()
    gc.disable()  # loading makes hundreds of thousands of objects and no garbage: collecting midway only costs
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        models = {name: artifacts.load(folder / f"{name}.npz") for name in manifest["models"]}
        bundle = Bundle(manifest["version"], models, load_snapshot(folder / "catalog.json"))
    finally:
        if enabled:
            gc.enable()
    log.info("loaded recommendation bundle %s", folder)
    return bundle
