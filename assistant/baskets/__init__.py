"""Abandoned baskets: carts left by reachable customers, a reminder sequence, delivery and recovery (issue 16)."""
