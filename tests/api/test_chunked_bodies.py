"""A malformed chunked body, through gunicorn: a 400 on every kind of route, no traceback in the log.

gunicorn raises its own parse errors (not OSError) while the app reads such a body; through the test
client that is only simulated (tests/api/test_hostile_input.py), so this runs the real server.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session

from assistant import migrate
from assistant.db import make_engine
from tests.conftest import need
from tests.factories import make_site
from tests.test_production_smoke import BIN, gunicorn, production_env

BROKEN = {"a bad chunk size": b"zz\r\nabc\r\n0\r\n\r\n", "a bad chunk terminator": b"3\r\nabcXX\r\n0\r\n\r\n"}
ROUTES = {"/api/v1/events?site=pk_test": "text/plain", "/api/v1/quiz?site=pk_test": "application/json",
          "/demo/cart/add": "application/x-www-form-urlencoded", "/admin/login": "application/x-www-form-urlencoded"}


def post_raw(base: str, path: str, content_type: str, body: bytes) -> bytes:
    """POST `body` as chunks, exactly as given; the whole answer."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(f"POST {path} HTTP/1.1\r\nHost: shop\r\nConnection: close\r\nContent-Type: {content_type}"
                           f"\r\nTransfer-Encoding: chunked\r\n\r\n".encode() + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_malformed_chunked_body_is_a_400_everywhere(tmp_path: Path) -> None:
    need(shutil.which("gunicorn", path=str(BIN)) is not None, f"gunicorn is not installed beside {BIN}")
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        make_site(session)
    engine.dispose()
    (tmp_path / "flows").mkdir()
    with gunicorn(production_env(url, tmp_path), tmp_path) as base:
        answers = {(path, name): post_raw(base, path, kind, body).split(b"\r\n", 1)[0]
                   for path, kind in ROUTES.items() for name, body in BROKEN.items()}
    assert set(answers.values()) == {b"HTTP/1.1 400 BAD REQUEST"}, answers
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in log, log

