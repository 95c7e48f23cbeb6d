"""Deterministic, sticky variant assignment: a hash of (site, campaign, visitor) picks a weighted bucket.

BLAKE2b of "site:campaign:visitor" gives a number in [0, 1) that is the same on every request and
every app node (sticky without storage), and unrelated between campaigns because the campaign id is
part of the hashed text. The visitor is the browser's anonymous id, so a shopper keeps their arm
when they log in. Changing the weights of a running campaign moves some visitors to another arm.

A bandit campaign's shares change as it learns, so there a visitor keeps the variant of their first
impression (`kept`, from the promotion history `choose` reads anyway) and only new visitors follow
the current shares (`pick_share`): no storage and no extra query either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol, TypeVar

_SCALE = float(2**64)


class Weighted(Protocol):
    """Anything with a traffic weight (a Variant or a VariantIn)."""

    @property
    def weight(self) -> int:
        """The traffic weight (0 takes no traffic)."""
        ...


W = TypeVar("W", bound=Weighted)


class Keyed(Protocol):
    """Anything with a variant key."""

    @property
    def key(self) -> str:
        """The variant's key."""
        ...


V = TypeVar("V", bound=Keyed)


def bucket(site_id: int, campaign_id: int, visitor: str) -> float:
    """The visitor's position in [0, 1) for one campaign."""
    digest = hashlib.blake2b(f"{site_id}:{campaign_id}:{visitor}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def pick(variants: Sequence[W], position: float) -> W | None:
    """The variant whose share of the cumulative weights contains `position` (None if all weights are 0)."""
    total = sum(v.weight for v in variants)
    if total <= 0:
        return None
    point, running = position * total, 0
    for variant in variants:
        running += variant.weight
        if point < running:
            return variant
    return next(v for v in reversed(variants) if v.weight > 0)


def pick_share(variants: Sequence[V], shares: Sequence[float], position: float) -> V | None:
    """The variant whose cumulative share contains `position` (None if every share is 0)."""
    total = sum(shares)
    if total <= 0:
        return None
    point, running = position * total, 0.0
    for variant, share in zip(variants, shares, strict=True):
        running += share
        if point < running:
            return variant
    return next(v for v, s in zip(reversed(variants), reversed(shares), strict=True) if s > 0)


def kept(variants: Sequence[V], shares: Sequence[float], key: str | None) -> V | None:
    """The variant `key` a visitor was first shown, while it still takes traffic (None: assign afresh)."""
    for variant, share in zip(variants, shares, strict=True):
        if variant.key == key and share > 0:
            return variant
    return None


def assign(variants: Sequence[W], *, site_id: int, campaign_id: int, visitor: str) -> W | None:
    """The visitor's variant of a campaign: the same every time while the weights stay the same."""
    return pick(variants, bucket(site_id, campaign_id, visitor))
