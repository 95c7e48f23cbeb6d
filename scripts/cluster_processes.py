"""Processes of the local cluster (scripts/cluster.py): free ports, pid files, waiting for a part to start or answer."""

from __future__ import annotations

import os
import signal
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path


class ClusterError(RuntimeError):
    """A part of the cluster could not be started."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_again(port: int | None) -> int:
    """The port used last time when it is still free (the printed URLs stay the same), else a new free one."""
    if port:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return port
            except OSError:
                pass
    return free_port()


def as_root() -> bool:
    """Whether this runs as root (PostgreSQL then runs as the `postgres` user, nginx's workers as `nobody`)."""
    return os.geteuid() == 0


def live_pid(path: Path) -> int | None:
    """The pid in `path` when that process is alive."""
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if alive(pid) else None


def alive(pid: int) -> bool:
    """Whether the process runs (an exited child not yet reaped, a zombie, does not)."""
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def stop_pid(path: Path, sig: signal.Signals, timeout: float = 30) -> None:
    """Signal the process of the pid file `path` (if it runs); SIGKILL it if it still runs after `timeout` s."""
    pid = live_pid(path)
    if pid is None:
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def wait_for(done: Callable[[], bool], what: str, log: Path, timeout: float = 30) -> None:
    """Until `done()`; ClusterError (pointing at `log`) after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.05)
    raise ClusterError(f"{what} did not start in {timeout:.0f} s; see {log}")


def wait_ready(url: str, log: Path, timeout: float = 120) -> None:
    """Until `url` answers 200 (a node's /readyz: database, schema and bundles; nginx's /healthz)."""
    deadline, last = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            last = f"{exc.code} {exc.read()[:300]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.1)
    raise ClusterError(f"{url} was not ready in {timeout:.0f} s ({last}); see {log}")
