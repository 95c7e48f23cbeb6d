"""Behaviour tracking: events from the widget, visitors, sessions, identities and carts."""
