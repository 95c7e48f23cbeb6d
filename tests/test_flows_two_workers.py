"""A flow edited with a catalog error stays at its last good version on every worker, and the log says why.

Two gunicorn workers each hold their own flow registry and catalog index and reload the flows folder
on change (ASSISTANT_RELOAD_FLOWS=on). The shop's flow is saved with a value no product has: every
worker (told apart by the pid in the access log) must keep serving the last good title; a good save
after it must reach both, so the workers were reloading all along.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from assistant.flows.registry import RESCAN_SECONDS
from tests.conftest import need
from tests.test_production_smoke import BIN, api, production_env, run, write_catalog, write_flows
from tests.test_stock_two_workers import sweep, two_workers

WAIT = RESCAN_SECONDS + 4.0
"""Long enough for every worker to have rescanned the folder, with room for a loaded machine."""


def test_a_catalog_error_keeps_the_last_good_flow_on_every_worker(empty_database_url: str, tmp_path: Path) -> None:
    need((BIN / "assistant").exists() and shutil.which("gunicorn", path=str(BIN)) is not None,
         f"assistant and gunicorn are not installed beside {sys.executable}")
    write_catalog(tmp_path / "products.csv")
    write_flows(tmp_path / "flows")
    env = {**production_env(empty_database_url, tmp_path), "ASSISTANT_RELOAD_FLOWS": "on"}
    run(env, tmp_path, "assistant", "db", "upgrade")
    key = run(env, tmp_path, "assistant", "site", "create", "--name", "My shop", "--origin",
              "https://www.myshop.example").strip()
    run(env, tmp_path, "assistant", "catalog", "import", "products.csv", "--site", key)
    flow_file = tmp_path / "flows" / "running-shoes.yaml"
    good = flow_file.read_text()
    with two_workers(env, tmp_path) as (base, access):
        call = api(base, key)

        def title(probe: str) -> str:
            flows = call("GET", f"/flows?probe={probe}", None)[1]["flows"]
            return next(f["title"] for f in flows if f["id"] == "running-shoes")

        first = sweep(access, lambda probe: title(probe) == "My shop - Find your running shoe")
        assert all(ok for _, ok in first) and len({pid for pid, _ in first}) == 2, first

        flow_file.write_text(good.replace("title: My shop - Find your running shoe", "title: Broken")
                             .replace("filter: {terrain: [mixed]}", "filter: {terrain: [mixd]}"))
        time.sleep(WAIT)
        kept = sweep(access, lambda probe: title(probe) == "My shop - Find your running shoe")
        assert all(ok for _, ok in kept) and len({pid for pid, _ in kept}) == 2, kept
        log = (tmp_path / "gunicorn.log").read_text()
        assert "no product has terrain = 'mixd'" in log and "keeping the last good version of flow 'running-shoes'" \
            in log, log[-3000:]

        flow_file.write_text(good.replace("title: My shop - Find your running shoe", "title: Fixed"))
        time.sleep(WAIT)
        fixed = sweep(access, lambda probe: title(probe) == "Fixed")
        assert all(ok for _, ok in fixed) and len({pid for pid, _ in fixed}) == 2, fixed
