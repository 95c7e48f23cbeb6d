"""A throwaway PostgreSQL cluster a test may stop and start, and a TCP relay in front of a database that a test
may turn into a black hole: the two ways a database goes away (tests/ops/test_faults_postgres.py,
tests/browser/test_database_down.py).

The cluster is made as .ci/run makes CI's: initdb and pg_ctl from Debian's PostgreSQL, on a free loopback port,
in a temporary folder, as the postgres user when the tests run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.conftest import need


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin folder (skip without one; fail under CI=true)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    need(bool(found), "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)")
    return found[-1].parent


class Cluster:
    """A PostgreSQL cluster in `folder` on `port`, stopped and started at the test's word."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port, self.bin = folder, port, postgres_bin()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *command: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_postgres, *command], capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, f"{' '.join(command)}: {done.stdout}{done.stderr}"

    def init(self) -> None:
        """initdb with trust authentication for local connections (a test cluster)."""
        self._run(str(self.bin / "initdb"), "-D", str(self.folder / "data"), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"),
                  "-w", "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        """Stop the server the way a restart or a failover does: connections closed, new ones refused."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A started cluster, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="assistant-faults-pg."))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    cluster = Cluster(folder, free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with suppress(AssertionError):
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


class Relay:
    """A TCP relay 127.0.0.1:port -> target; in a black hole, it drops every relayed connection and accepts new
    ones without ever answering or reading (a server that hangs, a firewall that swallows packets)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.black_hole = False
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def swallow(self) -> None:
        """Become a black hole: cut the relayed connections, hold new ones silent."""
        with self._lock:
            self.black_hole = True
            for sock in self._open:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def relay(self) -> None:
        """Relay again (the held silent connections stay silent: their clients gave up)."""
        with self._lock:
            self.black_hole = False

    def close(self) -> None:
        """Stop listening and drop everything."""
        self.swallow()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self._open.append(client)
                if self.black_hole:
                    continue
                server = socket.create_connection(("127.0.0.1", self.target_port))
                self._open.append(server)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
