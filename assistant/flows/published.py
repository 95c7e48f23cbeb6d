"""The mark of the admin's publications, which every node polls to pick a published flow up without watching files.

In production the flow folder is not rescanned on its own (ASSISTANT_RELOAD_FLOWS off: a file saved by
hand, half-edited on a shared volume, is not served until a restart). A publication is different: it was
checked, written in one rename and recorded in `flow_publication` by whichever node's admin made it. So
every process asks the database for the table's mark (row count and highest id: a publication that
commits after a later-numbered one still changes the count) at most every CHECK_SECONDS, on a request
that reads the flows, and rescans the folder when the mark moves. The database is the one thing every
node already shares, and the question is one index-only read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
CHECK_SECONDS = 2.0
"""How often a process asks: a flow published on one node is served by every node within this plus a rescan."""
BACKOFF_SECONDS = 10.0
"""After a failed question (database down), how long before asking again: requests that only read flows from
memory must not wait for a database that is not answering."""

Mark = tuple[int, int] | None


def publication_mark(engine: Engine) -> Callable[[], Mark]:
    """A probe returning the publications' mark, or None when the database does not answer (logged)."""
    def probe() -> Mark:
        try:
            with engine.connect() as connection:
                count, last = connection.execute(text("SELECT count(*), max(id) FROM flow_publication")).one()
        except SQLAlchemyError as exc:
            log.warning("cannot ask for flow publications (published flows are picked up once it answers): %s",
                        str(exc).splitlines()[0][:200])
            return None
        return int(count), int(last or 0)
    return probe


class PublicationWatch:
    """Asks `probe` at most every CHECK_SECONDS (BACKOFF_SECONDS after a failure); says when the mark moved."""

    def __init__(self, probe: Callable[[], Mark], *, check_seconds: float = CHECK_SECONDS) -> None:
        self.probe = probe
        self.check_seconds = check_seconds
        self._mark: Mark = None  # asked first on the first request: the first answer rescans once (cheap: stats)
        self._next = 0.0

    def moved(self) -> bool:
        """Whether a publication was recorded since the last call that said so (asks only when due)."""
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + BACKOFF_SECONDS  # other threads do not ask while this one waits for an answer
        mark = self.probe()
        self._next = now + (self.check_seconds if mark is not None else BACKOFF_SECONDS)
        if mark is None or mark == self._mark:
            return False
        self._mark = mark
        return True
