"""With reload off (production), a node rescans its flow folder when a publication is recorded, and only then."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from assistant.flows import published
from assistant.flows.published import PublicationWatch, publication_mark
from assistant.flows.registry import FlowRegistry
from tests.flows.test_checks import VALID
from tests.flows.test_registry import write


class Probe:
    """A stand-in for the database's publication mark, counting the questions asked."""

    def __init__(self) -> None:
        self.mark: published.Mark = (0, 0)
        self.asked = 0

    def __call__(self) -> published.Mark:
        self.asked += 1
        return self.mark


def test_a_publication_elsewhere_makes_the_folder_rescanned(tmp_path: Path) -> None:
    path = tmp_path / "shoes.yaml"
    write(path, VALID, 0)
    probe = Probe()
    registry = FlowRegistry(tmp_path, reload=False, watch=PublicationWatch(probe, check_seconds=0))
    registry.flows()  # the first answer is the baseline
    write(path, VALID.replace("title: Find your shoe", "title: Saved by hand"), 5)
    assert registry.get("shoes").title == "Find your shoe"  # no publication: a hand edit waits for a restart
    probe.mark = (1, 7)  # another node published (this very file, or any other)
    assert registry.get("shoes").title == "Saved by hand"


def test_the_mark_is_asked_at_most_every_check_seconds_and_backs_off_on_failure(tmp_path: Path) -> None:
    probe = Probe()
    watch = PublicationWatch(probe, check_seconds=60)
    assert watch.moved() and probe.asked == 1  # first answer
    assert not watch.moved() and probe.asked == 1  # not due
    failing = PublicationWatch(publication_mark(create_engine(f"sqlite:///{tmp_path / 'none.db'}")), check_seconds=0)
    assert not failing.moved()  # no flow_publication table: logged, no rescan, asked again only after the backoff
    assert failing._next > 0 and not failing.moved()
