"""Event times: the client's clock is trusted within a week back and five minutes ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assistant.tracking.schemas import EVENT, occurred_times

RECEIVED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def page(ts: float | None) -> object:
    return EVENT.validate_python({"id": "evt-00001", "type": "page_view", "ts": ts})


def test_client_times_are_kept_inside_the_window_and_clamped_outside() -> None:
    hour_ago = (RECEIVED - timedelta(hours=1)).timestamp() * 1000
    times = occurred_times([page(hour_ago), page(None), page(0), page(-1e300), page(1e300),
                            page(RECEIVED.timestamp() * 1000 + 60_000)], RECEIVED)
    assert times == [RECEIVED - timedelta(hours=1), RECEIVED, RECEIVED - timedelta(days=7),
                     RECEIVED - timedelta(days=7), RECEIVED + timedelta(minutes=5), RECEIVED + timedelta(minutes=1)]
