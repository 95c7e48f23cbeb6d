"""Fault injection for tests: named points where a test can catch a worker and kill it at an exact moment.

Off unless ASSISTANT_FAULT_POINT names a point (read at import, so an unset variable costs one comparison).
The first worker of the server to reach that point creates ASSISTANT_FAULT_FILE, writes its pid into it and
waits there to be killed; every other arrival passes. tests/tracking/test_durability.py uses the points around
the commit of an event batch, to kill a worker between its commit and its answer.
"""

from __future__ import annotations

import os
import time

POINT = os.environ.get("ASSISTANT_FAULT_POINT", "")
FILE = os.environ.get("ASSISTANT_FAULT_FILE", "")


def point(name: str) -> None:
    """Stop here for good if a test asked for `name` and no worker stopped at it yet."""
    if name != POINT or not FILE:
        return
    try:
        handle = os.open(FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        return  # another worker is the one caught
    os.write(handle, f"{os.getpid()}\n".encode())
    os.close(handle)
    while True:
        time.sleep(1)
