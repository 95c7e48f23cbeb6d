"""The hostile-YAML corpus, served by gunicorn: flow files beside a good one, a merchandising rules file and
every campaign import, each refused fast, with no worker held or killed and the good version served.

Before safe_yaml, a recursive alias in a flow file was a RecursionError on GET /flows, a billion-laughs
file took 28 s a request, and the same through campaign import was a 500 after 15 s at 1.5 GB.
"""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from sqlmodel import Session

from assistant import migrate
from assistant.db import make_engine
from tests.conftest import need
from tests.factories import make_site, make_user
from tests.flows.test_checks import VALID
from tests.hostile_yaml import HOSTILE_YAML, LAUGHS, as_key
from tests.promotions.helpers import make_campaign
from tests.promotions.test_hostile_templates_served import ORIGIN, _Admin, _gunicorn, _token
from tests.test_production_smoke import BIN, production_env

FAST = 3.0
"""Seconds an answer may take on a loaded, shared test machine (each refusal takes milliseconds)."""
KEPT = "campaigns:\n  - name: Kept\n    placement: cart\n    priority: 9\n    variants: [{key: a, message: hi}]"


def _get(base: str, path: str) -> tuple[float, int, object]:
    request = urllib.request.Request(f"{base}/api/v1{path}", headers={"Origin": ORIGIN})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        return time.monotonic() - started, response.status, json.load(response)


def test_hostile_yaml_never_holds_or_kills_a_worker(tmp_path: Path) -> None:
    need(shutil.which("gunicorn", path=str(BIN)) is not None, f"gunicorn is not installed beside {sys.executable}")
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        site = make_site(session, origins=[ORIGIN])
        make_user(session, email="marketer@shop.example", role="marketer")
        make_campaign(session, site, name="Kept", priority=1)
    engine.dispose()
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "shoes.yaml").write_text(VALID)
    for number, (value, _) in enumerate(HOSTILE_YAML.values()):
        (flows / f"hostile-{number}.yaml").write_text(as_key(VALID.replace("id: shoes", f"id: h{number}"), value))
    rules = tmp_path / "merchandising.yaml"
    rules.write_text(as_key("rules: []", "\n" + LAUGHS))
    env = {**production_env(url, tmp_path), "ASSISTANT_MERCH_RULES": str(rules)}
    with _gunicorn(env, tmp_path) as (base, log_path):
        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            listed = list(pool.map(lambda _: _get(base, "/flows?site=pk_test"), range(24)))
            strips = list(pool.map(lambda _: _get(base, f"/recommendations?site=pk_test&placement=home"
                                                        f"&visitor=v-{uuid.uuid4().hex[:12]}"), range(12)))
        admin = _Admin(base)
        token = _token(admin.fetch("/admin/campaigns/import")[1])
        imports = []
        for name, (value, _) in HOSTILE_YAML.items():
            if "document" in name:
                continue  # past the request size limit: a 413 before any YAML is read (tests/test_safe_yaml.py)
            started = time.monotonic()
            status, html = admin.fetch("/admin/campaigns/import", {"csrf_token": token, "yaml": as_key(KEPT, value)})
            imports.append((round(time.monotonic() - started, 3), status, name, "Nothing imported" in html))
        exported = admin.fetch("/admin/campaigns/export?site=pk_test")[1]
        log = log_path.read_text()
    print(f"GET /flows slowest {max(s for s, _, _ in listed):.3f} s, /recommendations slowest "
          f"{max(s for s, _, _ in strips):.3f} s, imports slowest {max(i[0] for i in imports):.3f} s")
    assert all(s < FAST and status == 200 and body == listed[0][2] for s, status, body in listed)
    assert [f["id"] for f in listed[0][2]["flows"]] == ["shoes"]  # type: ignore[index]
    assert all(s < FAST and status == 200 for s, status, _ in strips)
    assert [i for i in imports if i[0] > FAST or i[1] != 200 or not i[3]] == []
    assert "name: Kept" in exported and "priority: 1\n" in exported  # no import changed it
    assert "WORKER TIMEOUT" not in log and "SIGKILL" not in log and log.count("Booting worker") == 2, log
