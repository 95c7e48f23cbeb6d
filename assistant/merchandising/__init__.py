"""Merchandising rules and the attribute criteria they and the flows test: below both flows/ and recommend/."""
