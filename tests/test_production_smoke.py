"""Smoke test: the README's "Running it for a real shop", command by command, then a quiz over real HTTP.

The commands run as the README writes them (`assistant ...`, `gunicorn -w N "assistant.app:create_app()"`), from
the venv's bin folder, in a fresh folder, against an empty SQLite file and an empty PostgreSQL database. Only the
bind address differs (port 0, so the test never collides with another server on 8000), and HOME is that folder
(gunicorn keeps its control socket under it).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.demo.catalog import demo_rows
from assistant.paths import resource_dir
from tests.conftest import need
from tests.quiz_walk import Call, outside_control, take_quiz

ORIGIN = "https://www.myshop.example"
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")
BIN = Path(sys.executable).parent


def production_env(database_url: str, shop: Path) -> dict[str, str]:
    """The README's exports over this process's environment, without any other assistant setting."""
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith("ASSISTANT_") and k not in {"DATABASE_URL", "SECRET_KEY"}}
    return {**inherited, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(shop),
            "DATABASE_URL": database_url, "SECRET_KEY": "smoke-test-secret", "ASSISTANT_ENV": "production",
            "ASSISTANT_FLOWS": str(shop / "flows")}


def run(env: dict[str, str], cwd: Path, *command: str) -> str:
    """Run one command of the README; its standard output."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


def write_flows(folder: Path) -> None:
    """The shop's own flow files: the demo's (they fit its catalog), titled as the shop's."""
    folder.mkdir()
    for path in resource_dir("flows").glob("*.yaml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: My shop - ", 1),
                                        encoding="utf-8")


def write_catalog(path: Path) -> set[str]:
    """The demo catalog as a shop's CSV file; its SKUs."""
    rows = demo_rows()
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, list(dict.fromkeys(name for row in rows for name in row)))
        writer.writeheader()
        writer.writerows(rows)
    return {str(row["sku"]) for row in rows}


@contextlib.contextmanager
def gunicorn(env: dict[str, str], cwd: Path, *options: str) -> Iterator[str]:
    """The README's gunicorn command with two workers on a free loopback port (and `options`, such as a
    timeout or an access log), logging to cwd/gunicorn.log; its base URL."""
    log_path = cwd / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(["gunicorn", "-c", "python:assistant.gunicorn_conf", "-w", "2",
                                    "--bind", "127.0.0.1:0", *options, "assistant.app:create_app()"],
                                   cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield _listening(process, log_path)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _listening(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = LISTENING.search(log_path.read_text())
        if found:
            return found.group(1)
        assert process.poll() is None, f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}"
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not bind in 30 s:\n{log_path.read_text()}")


def api(base: str, key: str, origin: str = ORIGIN) -> Call:
    """Calls to the API as the widget on the shop's page makes them: site key, Origin, text/plain JSON."""
    def send(method: str, path: str, body: Any) -> tuple[int, Any]:
        sep = "&" if "?" in path else "?"
        request = urllib.request.Request(f"{base}/api/v1{path}{sep}site={key}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Origin": origin, "Content-Type": "text/plain"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # a worker's first answer waits for its boot
                assert response.headers["Access-Control-Allow-Origin"] == origin
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)
    return send


def test_readme_commands_serve_a_quiz_to_its_results(empty_database_url: str, tmp_path: Path) -> None:
    need((BIN / "assistant").exists() and shutil.which("gunicorn", path=str(BIN)) is not None,
         f"assistant and gunicorn are not installed beside {sys.executable}")
    skus = write_catalog(tmp_path / "products.csv")
    write_flows(tmp_path / "flows")
    env = production_env(empty_database_url, tmp_path)
    run(env, tmp_path, "assistant", "db", "upgrade")
    key = run(env, tmp_path, "assistant", "site", "create", "--name", "My shop", "--origin", ORIGIN).strip()
    assert key.startswith("pk_")
    imported = run(env, tmp_path, "assistant", "catalog", "import", "products.csv", "--site", key)
    assert imported.startswith(f"{len(skus)} created")
    with gunicorn(env, tmp_path) as base:
        run(env, tmp_path, "assistant", "flows", "check", "--site", key)  # while the workers boot
        call = api(base, key)
        status, listed = call("GET", "/flows", None)
        assert status == 200 and listed["flows"], listed
        assert all(flow["title"].startswith("My shop - ") for flow in listed["flows"]), listed
        for flow in listed["flows"]:
            asked, results = take_quiz(call, flow["id"], outside_control(key))
            assert len(asked) >= 3, (flow["id"], asked)
            found = [item["product"]["sku"] for item in results["items"]]
            assert found and set(found) <= skus, (flow["id"], results)
        assert api(base, key, "https://elsewhere.example")("GET", "/flows", None)[0] == 403
