"""The benchmarks' readiness probe: a server probed on its flow list must list a flow."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.common import _wait_ready, check_probe

FLOWS_URL = "http://127.0.0.1:1/api/v1/flows?site=pk_bench"


@pytest.mark.parametrize(("status", "body"), [
    (200, b'{"flows": []}'),
    (200, b"<html>not json</html>"),
    (200, b"{}"),
    (404, b'{"error": {"code": "not_found"}}'),
    (500, b'{"flows": [{"id": "shoes"}]}'),
])
def test_flow_probe_refuses_a_server_without_flows(status: int, body: bytes) -> None:
    with pytest.raises(RuntimeError, match="serves no flow"):
        check_probe(FLOWS_URL, status, body)


def test_flow_probe_accepts_a_flow_and_other_probes_any_answer() -> None:
    check_probe(FLOWS_URL, 200, b'{"flows": [{"id": "shoes"}]}')
    check_probe("http://127.0.0.1:1/bare", 404, b"")
    check_probe("http://127.0.0.1:1/api/v1/recommendations?site=pk_bench&placement=home", 200, b"{}")


@pytest.fixture
def empty_flows_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"flows": []}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_waiting_for_a_server_that_lists_no_flow_fails(empty_flows_server: str) -> None:
    process = subprocess.Popen(["sleep", "30"])
    try:
        with pytest.raises(RuntimeError, match="serves no flow"):
            _wait_ready(f"{empty_flows_server}/api/v1/flows?site=pk_bench", process)
    finally:
        process.kill()
        process.wait()


@pytest.fixture
def slow_server() -> Iterator[tuple[str, list[float]]]:
    """A server that takes 1.5 s to answer each request (a worker still starting on a loaded machine)."""
    started: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            started.append(time.monotonic())
            time.sleep(1.5)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"flows": [{"id": "shoes"}]}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", started
    server.shutdown()
    server.server_close()


def test_a_server_slow_to_answer_is_waited_for_not_probed_again(slow_server: tuple[str, list[float]]) -> None:
    url, started = slow_server
    process = subprocess.Popen(["sleep", "30"])
    try:
        began = time.monotonic()
        _wait_ready(f"{url}/api/v1/flows?site=pk_bench", process)
        assert time.monotonic() - began < 3
    finally:
        process.kill()
        process.wait()
    assert len(started) == 1, "one probe, answered"
