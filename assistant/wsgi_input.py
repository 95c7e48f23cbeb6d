"""The request body stream: a body the server cannot read is the client's error (400), whatever the server.

gunicorn raises its own parse errors (not OSError) from a malformed chunked body while the app reads it;
werkzeug turns an OSError on the stream into ClientDisconnected, a 400. This middleware makes the one into
the other, for every reader: JSON bodies, forms, the CSRF check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

WSGIApp = Any


class ReadableInput:
    """`wsgi.input`, with any error its server raises while reading turned into an OSError."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def read(self, *args: Any) -> bytes:
        """Read like the server's stream."""
        try:
            return self._stream.read(*args)
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001  (the server's own parse errors, e.g. gunicorn's InvalidChunkSize)
            raise OSError(f"the request body is malformed: {exc}") from exc

    def readline(self, *args: Any) -> bytes:
        """Read a line like the server's stream."""
        try:
            return self._stream.readline(*args)
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise OSError(f"the request body is malformed: {exc}") from exc

    def __iter__(self) -> ReadableInput:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


def readable_input(app: WSGIApp) -> WSGIApp:
    """Wrap a WSGI app so its `wsgi.input` raises only OSError."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        stream = environ.get("wsgi.input")
        if stream is not None:
            environ["wsgi.input"] = ReadableInput(stream)
        return app(environ, start_response)

    return wrapped
