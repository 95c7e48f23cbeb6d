"""Flows and merchandising rules per site: `sites:` in a flow or a rule, and a site's own rules file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.merchandising import rules as merch_rules
from assistant.merchandising.rules import RuleError, parse_rules, rules_for_site, site_rules_path
from tests.factories import make_product, make_site
from tests.flows.test_engine import SHOES

SHOP_A_ONLY = SHOES.replace("id: shoes", "id: shoes-a\nsites: [pk_a]")
EVERY_SHOP = SHOES.replace("id: shoes", "id: shoes-all")


@pytest.fixture(autouse=True)
def two_shops(session: Session, flows_dir: Path) -> None:
    (flows_dir / "a.yaml").write_text(SHOP_A_ONLY)
    (flows_dir / "all.yaml").write_text(EVERY_SHOP)
    for key in ("pk_a", "pk_b"):
        shop = make_site(session, key=key, name=key)
        for sku, grip in [("t1", "high"), ("t2", "low")]:
            make_product(session, shop, sku=sku, title=sku, price="100", categories="Shoes",
                         attributes={"terrain": "trail", "grip": grip})


def call(client: FlaskClient, method: str, url: str, site: str, body: Any = None) -> Any:
    sep = "&" if "?" in url else "?"
    return client.open(f"/api/v1{url}{sep}site={site}", method=method, content_type="text/plain",
                       data=json.dumps(body) if body is not None else None)


def test_a_flow_for_one_site_is_not_offered_to_another(client: FlaskClient) -> None:
    listed = {site: [f["id"] for f in call(client, "GET", "/flows", site).get_json()["flows"]]
              for site in ("pk_a", "pk_b")}
    assert listed == {"pk_a": ["shoes-a", "shoes-all"], "pk_b": ["shoes-all"]}
    assert call(client, "GET", "/flows/shoes-a", "pk_a").status_code == 200
    theirs, nowhere = call(client, "GET", "/flows/shoes-a", "pk_b"), call(client, "GET", "/flows/nope", "pk_b")
    assert (theirs.status_code, theirs.get_json()) == (404, {"error": {**nowhere.get_json()["error"],
                                                                        "message": "no flow has the id 'shoes-a'"}})
    started = call(client, "POST", "/quiz", "pk_b", {"flow": "shoes-a"})
    assert started.status_code == 404 and started.get_json()["error"]["field"] == "flow"
    assert call(client, "POST", "/quiz", "pk_a", {"flow": "shoes-a"}).status_code == 201
    assert call(client, "POST", "/quiz", "pk_b", {"flow": "shoes-all"}).status_code == 201


def test_a_quiz_on_a_flow_taken_off_the_site_is_not_found(app: Flask, client: FlaskClient, flows_dir: Path) -> None:
    quiz = call(client, "POST", "/quiz", "pk_a", {"flow": "shoes-all"}).get_json()["quiz"]
    assert call(client, "GET", f"/quiz/{quiz}/results", "pk_a").status_code == 200
    (flows_dir / "all.yaml").write_text(EVERY_SHOP.replace("id: shoes-all", "id: shoes-all\nsites: [pk_b]"))
    app.extensions["assistant"]["flows"].refresh(force=True)
    assert call(client, "GET", f"/quiz/{quiz}/results", "pk_a").status_code == 404


def results_skus(client: FlaskClient, site: str) -> list[str]:
    quiz = call(client, "POST", "/quiz", site, {"flow": "shoes-all"}).get_json()["quiz"]
    for question, value in (("terrain", "trail"), ("budget", [40, 250])):
        assert call(client, "POST", f"/quiz/{quiz}/answers", site, {"question": question, "value": value}).status_code \
            == 200
    return [item["product"]["sku"] for item in call(client, "GET", f"/quiz/{quiz}/results", site).get_json()["items"]]


def test_rules_apply_to_their_sites_and_a_sites_own_file_replaces_the_shared_one(app: Flask, client: FlaskClient,
                                                                                  tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    shared = folder / "merchandising.yaml"
    shared.write_text("rules:\n  - exclude: {grip: high}\n    sites: [pk_a]\n")
    settings = app.extensions["assistant"]["settings"]
    app.extensions["assistant"]["settings"] = dataclasses.replace(settings, merch_rules=shared)
    assert (results_skus(client, "pk_a"), results_skus(client, "pk_b")) == (["t2"], ["t1", "t2"])
    (folder / "pk_b.yaml").write_text("rules:\n  - exclude: {grip: low}\n")
    merch_rules._for_site.clear()  # looked at once a second; a test does not wait for that
    assert (results_skus(client, "pk_a"), results_skus(client, "pk_b")) == (["t2"], ["t1"])


def test_rules_for_site_keeps_one_list_while_unchanged(tmp_path: Path) -> None:
    shared = tmp_path / "merchandising.yaml"
    shared.write_text("rules:\n  - bury: {grip: high}\n    sites: [pk_a]\n  - boost: {grip: low}\n")
    first = rules_for_site(shared, "pk_b")
    assert [r.action for r in first] == ["boost"] and rules_for_site(shared, "pk_b") is first  # caches key on it
    assert [r.action for r in rules_for_site(shared, "pk_a")] == ["bury", "boost"]


@pytest.mark.parametrize("key", ["../etc/passwd", "a/b", "", "merchandising", "x" * 65])
def test_no_site_file_outside_the_folder_or_over_the_shared_one(tmp_path: Path, key: str) -> None:
    assert site_rules_path(tmp_path / "merchandising.yaml", key) is None


def test_sites_of_a_rule_must_be_a_list_of_keys() -> None:
    for bad in ("pk_a", [1], [""]):
        with pytest.raises(RuleError, match="rule 1: sites takes a list of site keys"):
            parse_rules({"rules": [{"boost": {"grip": "high"}, "sites": bad}]})
