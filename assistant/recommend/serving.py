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
import sys
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
LOADING_SWITCH_SECONDS = 0.0005
"""The interpreter's thread switch interval while a bundle loads beside the request thread (default 0.005 s).

A request thread that waits on a socket gets the GIL back only when the loading thread yields it: at
the default interval each wait costs up to 5 ms, a request several of them. Measured with a thread
that sleeps 0.2 ms in a loop during a 100,000-product load: p99 wait 8.0 ms at the default, 1.3 ms here.
"""


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
    """Loads `root/<site key>/CURRENT` bundles read-only; rechecks the pointer every few seconds.

    With `background` (what the app uses outside tests), a newer bundle is loaded in a thread of its
    own while the request that noticed it, and every one after it, is answered from the bundle already
    held; the reference is swapped once the new one is whole. A site's first bundle is loaded in the
    request (or by the warm-up, or by /readyz): there is nothing older to answer from.
    """

    def __init__(self, root: Path, *, check_seconds: float = CHECK_SECONDS, background: bool = False) -> None:
        self.root = Path(root)
        self.check_seconds = check_seconds
        self.background = background
        self._bundles: dict[str, Bundle | None] = {}
        self._checked: dict[str, float] = {}
        self._broken: dict[str, tuple[str, str]] = {}
        """Per site: the current version that failed to load, and why."""
        self._loading: set[str] = set()
        """Sites whose newer bundle a background thread is loading."""
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        """One bundle load at a time in this process (memory, and the collector switched off meanwhile)."""

    def bundle(self, site_key: str) -> Bundle | None:
        """The live bundle of the site (None before its first training)."""
        now = time.monotonic()
        if now - self._checked.get(site_key, -1e9) >= self.check_seconds:
            with self._lock:
                if now - self._checked.get(site_key, -1e9) >= self.check_seconds:
                    self._checked[site_key] = now
                    self._follow(site_key)
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

    def loading(self, site_key: str) -> bool:
        """Whether a newer bundle of the site is being loaded in the background now."""
        return site_key in self._loading

    def _follow(self, site_key: str) -> None:
        """Called under the lock: load the current bundle if it is not the one held (here, or in a thread)."""
        loaded = self._bundles.get(site_key)
        if site_key in self._loading or self._pointer(site_key) in (None, loaded and loaded.version):
            return
        if loaded is None or not self.background:
            self._swap(site_key)
            return
        self._loading.add(site_key)
        threading.Thread(target=self._swap_in_background, args=(site_key,), daemon=True,
                         name=f"bundle-{site_key}").start()

    def _swap_in_background(self, site_key: str) -> None:
        interval = sys.getswitchinterval()
        sys.setswitchinterval(LOADING_SWITCH_SECONDS)
        try:
            replaced = [self._swap(site_key, collect=False)]
        except Exception:  # noqa: BLE001 (whatever it was, the bundle held keeps serving; the next check retries)
            log.exception("recommendation bundle of %s not swapped; keeping the one served", site_key)
            return
        finally:
            sys.setswitchinterval(interval)
            self._loading.discard(site_key)
        _release(replaced)

    def _swap(self, site_key: str, *, collect: bool = True) -> Bundle | None:
        """Load the site's current bundle and make it the live one (one reference assignment); the one replaced."""
        with self._load_lock:
            loaded = self._bundles.get(site_key)
            bundle = self._current(site_key, loaded)
            if bundle is loaded:
                return None
            _settle(collect=collect)
            self._bundles[site_key] = bundle
            return loaded

    def _pointer(self, site_key: str) -> str | None:
        try:
            return (self.root / site_key / "CURRENT").read_text().strip()
        except OSError:
            return None

    def _current(self, site_key: str, loaded: Bundle | None) -> Bundle | None:
        folder = self.root / site_key
        version = self._pointer(site_key)
        if version is None:
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


def _settle(*, collect: bool) -> None:
    """Keep the collector off everything alive now, the new bundle included; first collect, if `collect`.

    A bundle is hundreds of thousands of long-lived objects; left to the collector, each full
    collection walks all of them (0.1-0.2 s at 100,000 products) in the middle of some request.
    Freezing is a cheap list move; the collection before it (0.12 s with a bundle loaded, the GIL held
    throughout) is left out when a newer bundle replaces one under traffic: a bundle holds no
    reference cycles (a test checks), so the one replaced is freed by reference counting (`_release`).
    """
    if collect:
        gc.unfreeze()  # what the previous bundle left behind may be collected now
        gc.collect()
    gc.freeze()


def _release(replaced: list[Bundle | None], *, wait: float = 60.0, slice_size: int = 2_000) -> None:
    """Free the bundle in `replaced` (taken out of the list) once no request holds it, a slice at a time.

    Freeing 100,000 catalog items in one go holds the GIL for 40-80 ms, which the request thread of
    the process would wait out. Once the reference count says only this frame holds the bundle (a
    request that took it before the swap is done with it), its catalog and memo are emptied a slice at
    a time, other threads let in between; a bundle still held after `wait` is left to its holders.
    """
    bundle = replaced.pop()
    deadline = time.monotonic() + wait
    while bundle is not None and sys.getrefcount(bundle) > 2 and time.monotonic() < deadline:  # `bundle`, argument
        time.sleep(0.01)
    if bundle is None or sys.getrefcount(bundle) > 2:
        return
    for part in (bundle.memo, bundle.catalog):
        while part:
            for _ in range(min(slice_size, len(part))):
                part.popitem()
            time.sleep(0)  # lets a waiting request thread take the GIL


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
