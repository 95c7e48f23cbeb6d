"""Validated rows in batches, made in this process or, to use a second core, in a forked child.

Reading and validating a row costs about twice what writing it costs on SQLite, so a command
that imports a big file can have a child process read and validate batch n + 1 while it writes
batch n. The child is a fork: it inherits the rows iterator (an open file) and the mapping, and
sends each batch back pickled; it never touches the database connection it also inherits, and
ends with `os._exit` (multiprocessing's way), so that connection is not closed under the parent.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection

from assistant.catalog.cells import RowProblem
from assistant.catalog.importers import Row, RowError
from assistant.catalog.mapping import ColumnMapping
from assistant.catalog.values import Values

Batch = tuple[dict[str, Values], list[RowError]]
"""SKU -> values of up to `size` distinct SKUs (the last row of a SKU wins), and the errors met since the last batch."""


def batches(rows: Iterable[Row | RowError], mapping: ColumnMapping, size: int) -> Iterator[Batch]:
    """The rows validated, in batches; a file error (row 0) comes in the last batch, and ends the reading."""
    batch: dict[str, Values] = {}
    errors: list[RowError] = []
    for row in rows:
        if isinstance(row, RowError):
            errors.append(row)
            if row.number == 0:
                break
            continue
        try:
            sku, values = mapping.values(row.data)
        except RowProblem as problem:
            errors.append(RowError(row.number, problem.field, problem.reason))
            continue
        batch[sku] = values
        if len(batch) >= size:
            yield batch, errors
            batch, errors = {}, []
    if batch or errors:
        yield batch, errors


def can_fork() -> bool:
    """Whether `batches_in_child` can use a second core here: fork exists, and no thread would be forked."""
    return ("fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1
            and threading.active_count() == 1)


def batches_in_child(rows: Iterable[Row | RowError], mapping: ColumnMapping, size: int) -> Iterator[Batch]:
    """`batches`, made by a forked child process while the caller works on the previous one.

    Whatever the child raises is raised here. Stopping early (or an error here) ends the child.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_send_batches, args=(rows, mapping, size, sender, receiver), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                child.join(timeout=5)
                raise RuntimeError(f"the process reading the rows ended unexpectedly ({child.exitcode})") from None
            if kind == "done":
                return
            if kind == "raised":
                raise payload
            yield payload
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()
            child.join()


def _send_batches(rows: Iterable[Row | RowError], mapping: ColumnMapping, size: int, sender: Connection,
                  receiver: Connection) -> None:
    """In the child: send every batch, then "done", or what was raised."""
    receiver.close()  # the parent's end: with it closed here, a parent that stops reading breaks the pipe
    try:
        for batch in batches(rows, mapping, size):
            sender.send(("batch", batch))
        sender.send(("done", None))
    except BaseException as exc:  # noqa: BLE001  (everything goes to the parent, which raises it)
        _send_raised(sender, exc)


def _send_raised(sender: Connection, exc: BaseException) -> None:
    try:
        sender.send(("raised", exc))
    except BrokenPipeError:
        pass  # the parent stopped listening: it has its own error
    except Exception:  # noqa: BLE001  (an exception that does not pickle)
        sender.send(("raised", RuntimeError(f"reading the rows failed: {exc!r}")))

