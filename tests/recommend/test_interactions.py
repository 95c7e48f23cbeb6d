"""The interactions container and the readers of the two public data formats."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.recommend.interactions import Interactions, read_retail_baskets, read_session_clicks


def test_from_arrays_orders_sessions_by_last_event_and_clicks_by_time() -> None:
    data = Interactions.from_arrays(["late", "early", "late", "early", "late"], ["b", "x", "a", "y", "c"],
                                    [30.0, 5.0, 10.0, 6.0, 30.0])
    assert data.session_ids.tolist() == ["early", "late"]
    assert list(data.sessions()) == [("early", ["x", "y"]), ("late", ["a", "b", "c"])]
    assert (data.n_items, data.n_sessions) == (5, 2)
    assert data.session_end_times().tolist() == [6.0, 30.0]
    assert data.item_counts().tolist() == [1, 1, 1, 1, 1]


def test_from_arrays_refuses_ragged_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        Interactions.from_arrays(["s"], ["a", "b"], [1.0])


def test_read_session_clicks(tmp_path: Path) -> None:
    path = tmp_path / "clicks.txt"
    path.write_text("SessionId\tItemId\tTime\n1\t214\t100.5\n1\t215\t99.0\n2\t214\t50.0\n")
    data = read_session_clicks(path)
    assert list(data.sessions()) == [("2", ["214"]), ("1", ["215", "214"])]


def test_read_retail_baskets_applies_the_preparation_rules(tmp_path: Path) -> None:
    rows = [
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country",
        "1,85123A,LANTERN,6,2010-01-01 08:00:00,2.55,13085,United Kingdom",
        "1,POST,POSTAGE,1,2010-01-01 08:00:00,18.0,13085,United Kingdom",
        "1,85123A,LANTERN,2,2010-01-01 08:01:00,2.55,13085,United Kingdom",
        "C2,22041,FRAME,-1,2010-01-02 09:00:00,2.1,,United Kingdom",
        "A3,B,Adjust bad debt,1,2010-01-02 09:00:00,11062.06,,United Kingdom",
        "4,22041,FRAME,0,2010-01-03 10:00:00,2.1,,United Kingdom",
        "4,22042,FRAME,3,2010-01-03 10:05:00,0,,United Kingdom",
        "4,22043,FRAME,3,2010-01-03 10:09:00,1.0,,United Kingdom",
    ]
    path = tmp_path / "retail.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(rows) + "\n")
    baskets = read_retail_baskets(path)
    assert [(b.basket_id, b.items) for b in baskets] == [("1", ("85123A", "POST")), ("4", ("22043",))]
    assert baskets[1].time == datetime(2010, 1, 3, 10, 9, tzinfo=UTC).timestamp()
    assert list(Interactions.from_baskets(baskets).sessions()) == [("1", ["85123A", "POST"]), ("4", ["22043"])]
