"""The project's access line (assistant.access_log) is gunicorn's, byte for byte, for any request and answer."""

from __future__ import annotations

import base64
import datetime
import random
import re
import time
from pathlib import Path
from typing import Any

from gunicorn.config import Config
from gunicorn.glogging import Logger

from assistant.access_log import TEXT_FORMAT, AccessLogger

STAMP = re.compile(r"\[[^\]]*\]")


class _Answer:
    def __init__(self, status: Any, sent: Any, headers: list[tuple[str, str]]) -> None:
        self.status, self.sent, self.headers = status, sent, headers


def _logger(kind: type[Logger], path: Path, log_format: str = TEXT_FORMAT) -> Logger:
    cfg = Config()
    cfg.set("accesslog", str(path))
    cfg.set("access_log_format", log_format)
    return kind(cfg)


def _written(*loggers: Logger) -> None:
    """Flush and close the loggers' files (gunicorn closes them when its worker ends)."""
    for logger in loggers:
        for handler in (*logger.access_log.handlers, *logger.error_log.handlers):
            handler.close()


def _cases(count: int) -> list[tuple[_Answer, dict[str, Any]]]:
    rng = random.Random(7)
    users = [None, "Basic " + base64.b64encode(b"ann:secret").decode(), "Basic !!!", "Bearer abc", "basic"]
    texts = [None, "", "plain", 'with "quotes"', "ünïcode", "%(h)s"]
    ids = [[], [("X-Request-Id", "r-1")], [("x-request-id", "a"), ("X-REQUEST-ID", 'b"c')]]
    cases = []
    for _ in range(count):
        environ: dict[str, Any] = {"REQUEST_METHOD": rng.choice(["GET", "POST"]), "SERVER_PROTOCOL": "HTTP/1.1",
                                   "RAW_URI": rng.choice(["/api/v1/flows?site=pk", '/q"x', "/"]),
                                   "PATH_INFO": "/", "QUERY_STRING": ""}
        for key, value in (("REMOTE_ADDR", rng.choice(["127.0.0.1", None])),
                           ("HTTP_AUTHORIZATION", rng.choice(users)),
                           ("HTTP_REFERER", rng.choice(texts)), ("HTTP_USER_AGENT", rng.choice(texts))):
            if value is not None:
                environ[key] = value
        headers = [("Content-Type", "application/json"), *rng.choice(ids)]
        cases.append((_Answer(rng.choice(["200 OK", "404 NOT FOUND", 503]), rng.choice([None, 0, 1234]), headers),
                      environ))
    return cases


def test_every_line_is_gunicorns(tmp_path: Path) -> None:
    cases, took = _cases(400), datetime.timedelta(microseconds=1500)
    for kind, name in ((Logger, "theirs.log"), (AccessLogger, "ours.log")):  # one at a time: gunicorn.access is global
        logger = _logger(kind, tmp_path / name)
        for answer, environ in cases:
            logger.access(answer, [], environ, took)
        _written(logger)
    expected = (tmp_path / "theirs.log").read_text().splitlines()
    written = (tmp_path / "ours.log").read_text().splitlines()
    assert len(written) == len(expected) == 400
    assert [STAMP.sub("[]", line, count=1) for line in written] == [STAMP.sub("[]", line, count=1) for line in expected]


def test_the_time_is_gunicorns(tmp_path: Path) -> None:
    ours = _logger(AccessLogger, tmp_path / "ours.log")
    for _ in range(5):  # the two calls fall in one second nearly always
        before, stamp, after = time.time(), ours._now(), time.time()
        if int(before) == int(after):
            break
    assert stamp == ours.now() or int(time.time()) != int(after)
    _written(ours)


def test_another_format_is_left_to_gunicorn(tmp_path: Path) -> None:
    ours = _logger(AccessLogger, tmp_path / "ours.log", log_format='%(s)s %({content-type}o)s')
    ours.access(_Answer("201 CREATED", 10, [("Content-Type", "text/plain")]), [],
                {"REQUEST_METHOD": "GET", "RAW_URI": "/", "SERVER_PROTOCOL": "HTTP/1.1"},
                datetime.timedelta(0))
    _written(ours)
    assert (tmp_path / "ours.log").read_text() == "201 text/plain\n"
