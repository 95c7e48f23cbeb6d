"""Recommendation strategies (fit on interactions, recommend for a context), chaining and offline evaluation."""
