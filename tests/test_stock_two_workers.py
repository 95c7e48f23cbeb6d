"""Stock marked off in the admin leaves quiz results on every worker within the documented delay.

Two gunicorn workers with the production settings each hold their own catalog index. A product is
marked out of stock through the admin's form over real HTTP; the results are then asked for again
and again on new connections, and every worker (told apart by the pid in gunicorn's access log)
must stop showing it within CHECK_SECONDS of the change plus a margin for a loaded machine.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.catalog.indexes import CHECK_SECONDS
from tests.conftest import need
from tests.quiz_walk import take_quiz
from tests.test_production_smoke import BIN, LISTENING, api, production_env, run, write_catalog, write_flows

DOCUMENTED_DELAY = CHECK_SECONDS + 1.0
"""What the README promises: stock changes show on every worker within two seconds."""
SLACK = 3.0
"""Added for a shared, loaded test machine; the measured delay is printed."""
ACCESS = re.compile(r"^pid=<?(\d+)>? (\S+) (\d+)$", re.M)


@contextlib.contextmanager
def two_workers(env: dict[str, str], cwd: Path) -> Iterator[tuple[str, Path]]:
    """The README's gunicorn with two workers, logging the pid of the worker behind each request."""
    log_path, access = cwd / "gunicorn.log", cwd / "access.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["gunicorn", "-c", "python:assistant.gunicorn_conf", "-w", "2", "--bind", "127.0.0.1:0",
             "--access-logfile", str(access), "--access-logformat", "pid=%(p)s %(U)s %(s)s",
             "assistant.app:create_app()"],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not (found := LISTENING.search(log_path.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        yield found.group(1), access
    finally:
        process.terminate()
        process.wait(timeout=30)


def admin_post_stock(base: str, key: str, email: str, password: str, sku: str) -> None:
    """Log in to the admin and mark `sku` out of stock with the catalog page's form (CSRF token and all)."""
    cookies: dict[str, str] = {}

    def fetch(path: str, form: dict[str, str] | None = None) -> str:
        request = urllib.request.Request(f"{base}{path}", data=urllib.parse.urlencode(form).encode() if form else None,
                                         headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
        opener = urllib.request.build_opener(NoRedirect)
        with contextlib.closing(opener.open(request, timeout=30)) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, value = header.split(";", 1)[0].split("=", 1)
                cookies[name] = value
            return response.read().decode()

    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    page = fetch("/admin/login")
    fetch("/admin/login", {"csrf_token": token.search(page).group(1), "email": email, "password": password})
    page = fetch(f"/admin/catalog?site={key}&q={sku}")
    fetch(f"/admin/catalog/stock?site={key}", {"csrf_token": token.search(page).group(1), "sku": sku,
                                               "in_stock": "0", "back": "/admin/catalog"})


def worker_answer(access: Path, ask: Callable[[], bool]) -> tuple[bool, str]:
    """`ask()` and the pid of the worker that answered it, from the access log line it adds."""
    before = len(access.read_text())
    answer = ask()
    deadline = time.monotonic() + 2
    while not (lines := ACCESS.findall(access.read_text()[before:])):
        assert time.monotonic() < deadline, "no access log line for the request"
        time.sleep(0.01)
    return answer, lines[-1][0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the cookies of a redirecting answer: answer 3xx as it is."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None

    def http_error_302(self, req, fp, code, msg, headers):  # type: ignore[no-untyped-def]
        return fp


def test_stock_marked_off_in_the_admin_leaves_results_on_every_worker(empty_database_url: str,
                                                                       tmp_path: Path) -> None:
    need((BIN / "assistant").exists() and shutil.which("gunicorn", path=str(BIN)) is not None,
         f"assistant and gunicorn are not installed beside {sys.executable}")
    write_catalog(tmp_path / "products.csv")
    write_flows(tmp_path / "flows")
    env = production_env(empty_database_url, tmp_path)
    run(env, tmp_path, "assistant", "db", "upgrade")
    key = run(env, tmp_path, "assistant", "site", "create", "--name", "My shop", "--origin",
              "https://www.myshop.example").strip()
    run(env, tmp_path, "assistant", "catalog", "import", "products.csv", "--site", key)
    run(env, tmp_path, "assistant", "admin", "create-user", "--email", "merch@shop.example", "--role",
        "merchandiser", "--password", "correct horse battery")
    with two_workers(env, tmp_path) as (base, access):
        call = api(base, key)
        flow = call("GET", "/flows", None)[1]["flows"][0]["id"]
        _, results = take_quiz(call, flow)
        quiz, sku = results["quiz"], results["items"][0]["product"]["sku"]
        shown = lambda: [i["product"]["sku"] for i in call("GET", f"/quiz/{quiz}/results", None)[1]["items"]]  # noqa: E731
        for _ in range(40):  # both workers answer results (and so hold an index) before the change
            assert sku in shown()
        served_before = {pid for pid, path, _ in ACCESS.findall(access.read_text()) if path.endswith("/results")}
        assert len(served_before) == 2, access.read_text()
        admin_post_stock(base, key, "merch@shop.example", "correct horse battery", sku)
        changed = time.monotonic()
        gone_since: dict[str, float] = {}
        while len(gone_since) < 2:
            assert time.monotonic() - changed < DOCUMENTED_DELAY + SLACK, f"still shown: {gone_since}"
            still, pid = worker_answer(access, lambda: sku in shown())
            if still:
                gone_since.pop(pid, None)
            else:
                gone_since.setdefault(pid, time.monotonic() - changed)
        print(f"out of stock on worker {sorted(gone_since)} after {sorted(gone_since.values())} s")
        for _ in range(20):  # and it stays gone on both
            assert sku not in shown()
