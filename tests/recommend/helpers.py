"""Tiny synthetic interaction sets whose right answers are obvious."""

from __future__ import annotations

from assistant.recommend.interactions import Interactions


def sessions_to_interactions(sessions: list[list[str]], *, start: float = 1_000_000.0) -> Interactions:
    """One session per list, clicks a minute apart, sessions an hour apart in the given order."""
    ids, items, times = [], [], []
    for s, clicks in enumerate(sessions):
        for c, item in enumerate(clicks):
            ids.append(f"s{s}")
            items.append(item)
            times.append(start + 3600.0 * s + 60.0 * c)
    return Interactions.from_arrays(ids, items, times)


def chains(groups: int = 12, length: int = 4, repeats: int = 3) -> Interactions:
    """Sessions walking ``g0 -> g1 -> g2 -> ...`` inside group g, so the next item of a prefix is known."""
    sessions = [[f"{chr(97 + g)}{i}" for i in range(length)] for g in range(groups)] * repeats
    return sessions_to_interactions(sessions)


def checkerboard(size: int = 20) -> Interactions:
    """Baskets of even items and baskets of odd items (implicit's checkerboard): evens go with evens."""
    baskets = []
    for u in range(size):
        baskets.append([f"i{j}" for j in range(u % 2, size, 2) if j != u])
    return sessions_to_interactions(baskets)
