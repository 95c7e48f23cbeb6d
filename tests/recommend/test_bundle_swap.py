"""A newer bundle is loaded beside the one served: shoppers are answered from the old one until the new one is whole,
and the one replaced is freed without a garbage collection (a bundle holds no reference cycles)."""

from __future__ import annotations

import gc
import json
import shutil
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import pytest

from assistant.merchandising.rules import parse_rules
from assistant.recommend import serving
from assistant.recommend.catalog_view import CatalogItem, json_array
from assistant.recommend.service import PLACEMENTS, recommend_for
from assistant.recommend.serving import Bundle, ModelStore
from assistant.recommend.shopper import Shopper
from assistant.sites.models import Site
from tests.recommend.test_serving import catalog, trained  # noqa: F401 (fixtures: a trained site)

pytestmark = pytest.mark.usefixtures("catalog")


def publish_newer(store: ModelStore, site: Site, version: str = "29990101T000000-1") -> Path:
    """A copy of the live bundle as `version`, whole before CURRENT points at it (as training publishes)."""
    folder = store.root / site.key
    copy = folder / version
    shutil.copytree(folder / (folder / "CURRENT").read_text().strip(), copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "version": version}))
    (folder / "CURRENT").write_text(version)
    return copy


def until(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_request_during_a_slow_load_is_answered_by_the_bundle_held(trained: ModelStore, site: Site,  # noqa: F811
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = ModelStore(trained.root, check_seconds=0, background=True)
    old = store.bundle(site.key)  # the first bundle is loaded in the request: there is nothing to answer from
    assert old is not None
    publish_newer(store, site)
    release, load, switch, interval = threading.Event(), serving._load, [], sys.getswitchinterval()

    def slow_load(folder: Path) -> Bundle:
        release.wait(5)
        switch.append(sys.getswitchinterval())
        return load(folder)

    monkeypatch.setattr(serving, "_load", slow_load)
    started = time.monotonic()
    assert store.bundle(site.key) is old and store.bundle(site.key) is old
    assert time.monotonic() - started < 1 and store.loading(site.key)
    release.set()
    until(lambda: not store.loading(site.key))
    assert store.bundle(site.key).version == "29990101T000000-1"  # type: ignore[union-attr]
    assert switch == [serving.LOADING_SWITCH_SECONDS] and sys.getswitchinterval() == interval


def test_a_broken_newer_bundle_loaded_in_the_background_keeps_the_one_served(trained: ModelStore,  # noqa: F811
                                                                               site: Site) -> None:
    store = ModelStore(trained.root, check_seconds=0, background=True)
    old = store.bundle(site.key)
    copy = publish_newer(store, site)
    (copy / "catalog.json").write_text((copy / "catalog.json").read_text()[:-20])
    store.bundle(site.key)
    until(lambda: not store.loading(site.key))
    assert store.bundle(site.key) is old
    until(lambda: not store.loading(site.key))
    assert "JSONDecodeError" in (store.problem(site.key) or "")


def test_a_served_bundle_holds_no_reference_cycles(trained: ModelStore, site: Site) -> None:  # noqa: F811
    """What lets a swap under traffic skip the full collection: the replaced bundle is freed by reference counting."""
    bundle = trained.bundle(site.key)
    assert bundle is not None
    rules = parse_rules({"rules": [{"pin": "pack-1", "placements": ["cart"]}, {"bury": {"brand": "Other"}}]})
    for placement, shopper in (("cart", Shopper(cart=("shoe-a",))), ("cart", Shopper(cart=("nobody-knows",))),
                               ("product", Shopper(viewing="shoe-b")), ("home", Shopper())):
        recommend_for(bundle=bundle, placement=PLACEMENTS[placement], shopper=shopper, n=4, rules=rules)
    assert bundle.memo
    watched = [weakref.ref(x) for x in (bundle, next(iter(bundle.catalog.values())), *bundle.models.values())]
    trained._bundles.clear()
    gc.collect()
    gc.disable()
    try:
        del bundle
        assert [ref() for ref in watched] == [None] * len(watched)
    finally:
        gc.enable()


def test_the_replaced_bundle_is_emptied_only_once_no_request_holds_it() -> None:
    items = {f"p{i}": CatalogItem(f"p{i}", "t", "", "", 1.0, "EUR", (), None, {}) for i in range(5_000)}
    in_use = [Bundle("v1", {}, items)]  # a request that took it before the swap
    released = threading.Thread(target=serving._release, args=([in_use[0]],), kwargs={"slice_size": 1_000})
    released.start()
    time.sleep(0.1)
    assert len(in_use[0].catalog) == 5_000 and released.is_alive()
    items = in_use.pop().catalog
    released.join(5)
    assert not released.is_alive() and items == {}


@pytest.mark.parametrize("document", ["[]", " [ ] ", "[1]", '[ {"a": [1, 2]} , "x" , null ]\n', '[{"a":1},{"b":"]"}]'])
def test_json_array_reads_what_json_loads_reads(document: str) -> None:
    assert list(json_array(document)) == json.loads(document)


@pytest.mark.parametrize("document", ["", "[", "[1", "[1,", "[1,]", "[1 2]", "[1]x", "{}", '[{"a":1}', "[1]]"])
def test_json_array_refuses_what_json_loads_refuses(document: str) -> None:
    with pytest.raises(ValueError):
        list(json_array(document))
