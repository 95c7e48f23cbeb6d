"""Know the customer: RFM scores and segments, BG/NBD and Gamma-Gamma lifetime value, from per-customer figures.

A domain package that takes arrays, not requests: no Flask, no session. Later increments feed it from tracking.
"""
