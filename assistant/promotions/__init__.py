"""Promotions: campaigns marketers write, targeting rules, sandboxed messages, variants, caps, choosing.

Entry points: `service.choose` (serving), `campaigns` (admin create/edit/list), `snapshot.snapshot_for`
(what is known about a visitor), `events` (what the widget reports back).
"""
