"""A flow with a catalog error is not served: the server runs `flows check`'s catalog check on every (re)load,
keeps the last good version live, logs why, and the admin's flows page shows it."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.app import create_app
from assistant.config import Settings
from assistant.flows.registry import get_registry
from assistant.sites.models import Site
from tests.admin.test_auth import log_in
from tests.factories import flow_yaml, make_product, make_user

GOOD = flow_yaml("""
    id: shoes
    title: Shoes
    questions:
      - id: terrain
        text: Where?
        type: single
        answers:
          - {id: road, text: Road, filter: {terrain: road}}
          - {id: trail, text: Trail, filter: {terrain: trail}}
""")


@pytest.fixture
def app(database_url: str, session: Session, flows_dir: Path) -> Iterator[Flask]:
    """The app as in production: flows checked against the catalog before they are served."""
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True))
    assert app.extensions["assistant"]["settings"].flows_catalog_check
    yield app
    app.extensions["assistant"]["engine"].dispose()


def save(path: Path, text: str, bump: int) -> None:
    path.write_text(text)
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + bump))  # a distinct mtime, as a later save has


def test_a_catalog_error_keeps_the_last_good_version_logged_and_shown(
        app: Flask, client: FlaskClient, session: Session, site: Site, flows_dir: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    for sku, terrain in (("r1", "road"), ("t1", "trail")):
        make_product(session, site, sku=sku, attributes={"terrain": terrain})
    registry = get_registry(app)
    path = flows_dir / "shoes.yaml"
    save(path, GOOD, 0)
    registry.refresh(force=True)
    assert registry.get("shoes").title == "Shoes"

    with caplog.at_level(logging.WARNING):
        save(path, GOOD.replace("title: Shoes", "title: Shoes v2").replace("terrain: trail}", "terrain: trial}"), 5)
        registry.refresh(force=True)
    assert registry.get("shoes").title == "Shoes"  # the last good version, not v2 with every constraint relaxed
    assert f"no product has terrain = 'trial' (catalog of site {site.key})" in caplog.text
    assert "keeping the last good version of flow 'shoes'" in caplog.text

    make_user(session, role="merchandiser")
    log_in(client, "admin@shop.example")
    page = client.get("/admin/flows").get_data(as_text=True)
    assert "last good version live" in page and "no product has terrain = &#39;trial&#39;" in page

    save(path, GOOD.replace("title: Shoes", "title: Shoes v3"), 10)
    registry.refresh(force=True)
    assert registry.get("shoes").title == "Shoes v3"


def test_a_flow_for_another_site_is_not_checked_against_this_one(app: Flask, session: Session, site: Site,
                                                                 flows_dir: Path) -> None:
    make_product(session, site, sku="r1", attributes={"terrain": "road"})
    path = flows_dir / "shoes.yaml"
    save(path, GOOD.replace("title: Shoes", "title: Shoes\nsites: [pk_other_shop]")
         .replace("terrain: trail}", "terrain: trial}"), 0)
    get_registry(app).refresh(force=True)
    assert get_registry(app).get("shoes").sites == ["pk_other_shop"]
