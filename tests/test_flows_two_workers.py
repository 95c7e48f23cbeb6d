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
from collections.abc import Callable
from pathlib import Path

from assistant.flows.registry import RESCAN_SECONDS
from tests.conftest import need
from tests.test_production_smoke import BIN, api, production_env, run, write_catalog, write_flows
from tests.test_stock_two_workers import sweep, two_workers

WAIT = RESCAN_SECONDS + 4.0
"""Long enough for every worker to have rescanned the folder, with room for a loaded machine: how long a good save
may take to reach both workers (polled, not slept)."""


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
        # a worker rescans on a request a second after its last scan and warns once per change: both have read the
        # broken file when the warning is in the log twice; every answer until then and after must be the good one
        kept = until_read(tmp_path / "gunicorn.log", KEPT, lambda: sweep(
            access, lambda probe: title(probe) == "My shop - Find your running shoe"))
        kept += sweep(access, lambda probe: title(probe) == "My shop - Find your running shoe")
        assert all(ok for _, ok in kept) and len({pid for pid, _ in kept}) == 2, kept
        log = (tmp_path / "gunicorn.log").read_text()
        assert "no product has terrain = 'mixd'" in log and KEPT in log, log[-3000:]

        flow_file.write_text(good.replace("title: My shop - Find your running shoe", "title: Fixed"))
        deadline = time.monotonic() + WAIT
        fixed = sweep(access, lambda probe: title(probe) == "Fixed")
        while not all(ok for _, ok in fixed) and time.monotonic() < deadline:  # until both have rescanned
            time.sleep(0.2)
            fixed = sweep(access, lambda probe: title(probe) == "Fixed")
        assert all(ok for _, ok in fixed) and len({pid for pid, _ in fixed}) == 2, fixed


KEPT = "keeping the last good version of flow 'running-shoes'"


def until_read(log: Path, line: str, ask: Callable[[], list[tuple[str, bool]]],
               workers: int = 2) -> list[tuple[str, bool]]:
    """`ask` again (every worker rescans on a request) until `line` is in the log once per worker, or an answer is
    wrong; every answer."""
    answers: list[tuple[str, bool]] = []
    deadline = time.monotonic() + WAIT * 3
    while log.read_text().count(line) < workers and all(ok for _, ok in answers):
        assert time.monotonic() < deadline, f"{line!r} not logged by {workers} workers: {answers}"
        answers += ask()
        time.sleep(0.2)
    return answers
