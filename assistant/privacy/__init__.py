"""Privacy requests: one person's data exported (an access request) or deleted (an erasure request).

It sits above tracking, flows and insight because a person's data lives in all three; nothing below imports it.
"""
