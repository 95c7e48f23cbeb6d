"""Detection: open, update and close baskets from the cart table, with a few set-based statements per run.

A cart becomes a basket when it has items, no purchase since its last change, has waited `idle_minutes`,
and belongs to a reachable customer: a visitor identified as a customer whose `email` trait looks like an
address, whose consent trait is truthy (true, "true", "yes", 1) and who has not opted out, and who is not in
the site's global control group (docs/control-group.md: it gets nothing from the assistant, reminders neither).
Only carts changed within the reminder sequence's span are looked at (a cart older than its last step would get no
reminder anyway), through cart's `updated_at` index, so a run reads the recent carts, not every cart ever
left. A cart a basket has already seen (open, or closed at that same cart state) gets no second one.

Open baskets follow their cart: a change updates items and value and pushes the next step to the change
plus that step's delay; a purchase closes them ("purchased"), an emptied cart ("emptied"), an opt-out or
withdrawn consent ("unsubscribed"), and a basket whose every step is done and delivered ("finished").
Statements are plain SQL on the session's cursor (rawsql); Python touches only the rows that change.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from assistant.baskets.models import Basket
from assistant.baskets.settings import BasketSettings
from assistant.rawsql import RawSQL
from assistant.sites.models import Site

TRUTHY = ("true", "yes", "1")
EMAIL_LIKE = "%_@_%._%"
"""A first sieve in SQL; `plausible_email` decides for the rows that pass it."""
_EMAIL = re.compile(r"[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]{1,255}\.[^@\s<>\"',;.]{2,63}")


@dataclass
class DetectSummary:
    """What one detection run did to a site's baskets."""

    opened: int = 0
    holdout: int = 0
    """Of the opened, how many fell in the holdout share."""
    updated: int = 0
    closed: dict[str, int] = field(default_factory=dict)
    """Baskets closed, by reason."""

    def line(self) -> str:
        """The run as one short phrase for the CLI."""
        closed = ", ".join(f"{n} {reason}" for reason, n in sorted(self.closed.items()) if n) or "none"
        return f"{self.opened} opened ({self.holdout} holdout), {self.updated} updated, closed: {closed}"


def plausible_email(value: object) -> bool:
    """Whether `value` looks like an address a reminder can go to (one @, a dot in the domain, no spaces)."""
    return isinstance(value, str) and len(value) <= 320 and _EMAIL.fullmatch(value) is not None


def in_holdout(*, site_key: str, visitor_id: int, opened_at: datetime, share: float) -> bool:
    """Whether a basket falls in the holdout share: a stable hash of site, visitor and opening time below `share`."""
    digest = hashlib.sha256(f"{site_key}|{visitor_id}|{opened_at.astimezone(UTC).isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def detect(*, session: Session, site: Site, settings: BasketSettings, now: datetime) -> DetectSummary:
    """Close, update and open the site's baskets from its carts as of `now`; the caller commits."""
    sql = _Sql(RawSQL(session), site, settings)
    summary = DetectSummary()
    summary.closed = sql.close_all(now)
    summary.updated = sql.update_changed(now)
    summary.opened, summary.holdout = sql.open_new(now)
    return summary


def status_of(basket: Basket, has_dead: bool) -> str:
    """The status the admin shows: recovered, unsubscribed, failed, clicked, holdout, sent, closed or waiting."""
    if basket.recovered_at is not None:
        return "recovered"
    if basket.closed_reason == "unsubscribed":
        return "unsubscribed"
    if has_dead:
        return "failed"
    if basket.clicked_at is not None:
        return "clicked"
    if basket.holdout:
        return "holdout"
    if basket.step > 0:
        return "sent"
    return "closed" if basket.closed_at is not None else "waiting"


def cancel_pending(raw: RawSQL, site: Site) -> int:
    """Cancel the pending messages of the site's closed baskets (the sequence stopped); how many."""
    done = raw.run("UPDATE basket_message SET status = 'cancelled' WHERE site_id = ? AND status = 'pending'"
                   " AND EXISTS (SELECT 1 FROM basket b WHERE b.id = basket_message.basket_id"
                   " AND b.closed_at IS NOT NULL)", (site.pk,))
    return int(done.rowcount or 0)


class _Sql:
    """The detection statements of one site, on either database."""

    def __init__(self, raw: RawSQL, site: Site, settings: BasketSettings) -> None:
        self.raw, self.site, self.settings = raw, site, settings

    def trait(self, alias: str, name: str) -> tuple[str, str]:
        """SQL for a customer trait as text, and its parameter."""
        if self.raw.postgres:
            return f"({alias}.traits ->> ?)", name
        return f"json_extract({alias}.traits, ?)", "$." + json.dumps(name)

    def reachable(self, alias: str) -> tuple[str, tuple[Any, ...]]:
        """A condition on customer `alias`: an address-like email trait and a truthy consent trait."""
        email, email_param = self.trait(alias, "email")
        consent, consent_param = self.trait(alias, self.settings.consent_trait)
        return (f"{email} LIKE ? AND lower(CAST({consent} AS TEXT)) IN (?, ?, ?)",
                (email_param, EMAIL_LIKE, consent_param, *TRUTHY))

    def close(self, now: datetime, reason: str, condition: str, params: tuple[Any, ...] = ()) -> int:
        at = self.raw.time(now)
        done = self.raw.run("UPDATE basket SET closed_at = ?, closed_reason = ?, next_step_at = NULL, updated_at = ?"
                            f" WHERE site_id = ? AND closed_at IS NULL AND {condition}",
                            (at, reason, at, self.site.pk, *params))
        return int(done.rowcount or 0)

    def close_all(self, now: datetime) -> dict[str, int]:
        cart = "FROM cart c WHERE c.site_id = basket.site_id AND c.visitor_id = basket.visitor_id"
        reachable, params = self.reachable("cu")
        closed = {
            "purchased": self.close(now, "purchased",
                                    f"EXISTS (SELECT 1 {cart} AND c.purchased_at >= basket.cart_updated_at)"),
            "emptied": self.close(now, "emptied", f"NOT EXISTS (SELECT 1 {cart} AND json_array_length(c.items) > 0)"),
            "unsubscribed": self.close(
                now, "unsubscribed",
                "(EXISTS (SELECT 1 FROM email_opt_out o WHERE o.site_id = basket.site_id"
                " AND o.customer_id = basket.customer_id) OR NOT EXISTS (SELECT 1 FROM customer cu"
                f" WHERE cu.site_id = basket.site_id AND cu.customer_id = basket.customer_id AND {reachable}))",
                params),
            "finished": self.close(
                now, "finished", "next_step_at IS NULL AND step >= ? AND NOT EXISTS (SELECT 1 FROM basket_message m"
                " WHERE m.basket_id = basket.id AND m.status IN ('pending', 'sending'))", (len(self.settings.steps),)),
        }
        cancel_pending(self.raw, self.site)
        return closed

    def update_changed(self, now: datetime) -> int:
        rows = self.raw.run(
            "SELECT b.id, b.step, c.items, c.value_minor, c.currency, c.updated_at FROM basket b"
            " JOIN cart c ON c.site_id = b.site_id AND c.visitor_id = b.visitor_id"
            " WHERE b.site_id = ? AND b.closed_at IS NULL AND c.updated_at > b.cart_updated_at",
            (self.site.pk,)).fetchall()
        json_cast = "?::json" if self.raw.postgres else "?"
        changes = [(self.raw.json_param(self.raw.json_value(items)), value, currency, self.raw.time(_at(at)),
                    self._next_time(_at(at), step), self.raw.time(now), basket_id)
                   for basket_id, step, items, value, currency, at in rows]
        self.raw.cursor.executemany(self.raw.sql(
            f"UPDATE basket SET items = {json_cast}, value_minor = ?, currency = ?, cart_updated_at = ?,"
            " next_step_at = ?, updated_at = ? WHERE id = ?"), changes)
        return len(changes)

    def _next_time(self, cart_at: datetime, step: int) -> Any:
        steps = self.settings.steps
        return self.raw.time(cart_at + timedelta(minutes=steps[step].after_minutes)) if step < len(steps) else None

    def open_new(self, now: datetime) -> tuple[int, int]:
        rows = [row for row in self._candidates(now) if plausible_email(row[2])]
        json_cast = "?::json" if self.raw.postgres else "?"
        at = self.raw.time(now)
        values = []
        holdout = 0
        for visitor_id, customer_id, email, items, value, currency, cart_at in rows:
            held = in_holdout(site_key=self.site.key, visitor_id=int(visitor_id), opened_at=now,
                              share=self.settings.holdout_share)
            holdout += held
            lines = self.raw.json_param(self.raw.json_value(items))
            values.append((self.site.pk, visitor_id, customer_id, email, lines, value, currency,
                           self.raw.time(_at(cart_at)), at, held, 0, self._next_time(_at(cart_at), 0), at))
        if not values:
            return 0, 0
        self.raw.cursor.executemany(self.raw.sql(
            "INSERT INTO basket (site_id, visitor_id, customer_id, email, items, value_minor, currency,"
            f" cart_updated_at, opened_at, holdout, step, next_step_at, updated_at) VALUES (?, ?, ?, ?, {json_cast},"
            " ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"), values)
        return len(values), holdout

    def _candidates(self, now: datetime) -> list[Any]:
        """Idle carts of reachable customers that no basket has seen, changed within the sequence's span."""
        email, email_param = self.trait("cu", "email")
        reachable, params = self.reachable("cu")
        idle = now - timedelta(minutes=self.settings.idle_minutes)
        span = now - timedelta(minutes=max(self.settings.steps[-1].after_minutes, self.settings.idle_minutes))
        return list(self.raw.run(
            f"SELECT c.visitor_id, v.customer_id, {email}, c.items, c.value_minor, c.currency, c.updated_at"
            " FROM cart c JOIN visitor v ON v.id = c.visitor_id"
            " JOIN customer cu ON cu.site_id = c.site_id AND cu.customer_id = v.customer_id"
            " LEFT JOIN email_opt_out o ON o.site_id = c.site_id AND o.customer_id = v.customer_id"
            " WHERE c.site_id = ? AND c.updated_at <= ? AND c.updated_at >= ? AND NOT v.in_control"
            " AND (c.purchased_at IS NULL OR c.purchased_at < c.updated_at) AND json_array_length(c.items) > 0"
            f" AND o.customer_id IS NULL AND {reachable}"
            " AND NOT EXISTS (SELECT 1 FROM basket b WHERE b.site_id = c.site_id AND b.visitor_id = c.visitor_id"
            " AND (b.closed_at IS NULL OR b.cart_updated_at >= c.updated_at))",
            (email_param, self.site.pk, self.raw.time(idle), self.raw.time(span), *params)).fetchall())


def _at(value: Any) -> datetime:
    """A timestamp as read by the driver (SQLite: SQLAlchemy's text), aware UTC."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)
