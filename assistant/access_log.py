"""gunicorn's access line, written without gunicorn's per-request dictionary of every header and environ key.

gunicorn formats an access line from `atoms`: a dictionary of some twenty fields plus one entry per request
header, response header and WSGI environ key (40-60 entries), each escaped, then `%`-formatted: 43 us a
request in process, half of what the bare Flask endpoint of the benchmarks costs in all. For the project's own
format (TEXT_FORMAT: the combined log format and the request id) the line is put together from the few fields
it shows, escaped as gunicorn escapes them; any other `--access-logformat` goes to gunicorn's code as written.
tests/ops/test_access_log.py holds the two to the same lines.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from gunicorn.glogging import Logger

TEXT_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
"""The access line of assistant.gunicorn_conf: Apache's combined format and the answer's X-Request-Id."""


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn's logger, writing TEXT_FORMAT's access line itself."""

    _second = -1
    _stamp = ""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """The access line of one request, as gunicorn's `access` writes it."""
        if self.cfg.access_log_format != TEXT_FORMAT:
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        try:
            self.access_log.info(self.text_line(resp, environ))
        except Exception:  # as gunicorn: a line that cannot be written is an error logged, not a failed request
            self.error(traceback.format_exc())

    def text_line(self, resp: Any, environ: dict[str, Any]) -> str:
        """TEXT_FORMAT filled in: each text field with `"` escaped, a missing one as `-` (gunicorn's SafeAtoms)."""
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        request_id = "-"
        for name, value in resp.headers:  # the last of the name wins, as in gunicorn's dictionary
            if name.lower() == "x-request-id":
                request_id = value
        fields = (environ.get("REMOTE_ADDR", "-"), "-", self._get_user(environ) or "-", self._now(),
                  f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}", status,
                  sent is not None and str(sent) or "-", environ.get("HTTP_REFERER", "-"),
                  environ.get("HTTP_USER_AGENT", "-"), request_id)
        h, l_, u, t, r, s, b, f, a, x = (v.replace('"', '\\"') if isinstance(v, str) else v for v in fields)
        return f'{h} {l_} {u} {t} "{r}" {s} {b} "{f}" "{a}" {x}'

    def _now(self) -> str:
        """gunicorn's `now()`, formatted once a second."""
        second = int(time.time())
        if second != self._second:
            self._stamp, self._second = time.strftime("[%d/%b/%Y:%H:%M:%S %z]", time.localtime(second)), second
        return self._stamp
