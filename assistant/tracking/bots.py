"""Known crawlers, from the crawler-user-agents list (monperrus/crawler-user-agents)."""

from __future__ import annotations

from functools import lru_cache

import crawleruseragents


@lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    """Whether `user_agent` is a known crawler or headless browser (an empty agent counts as one)."""
    if not user_agent.strip():
        return True
    return bool(crawleruseragents.is_crawler(user_agent))
