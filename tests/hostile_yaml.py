"""YAML written to cost a server time or memory, or to build what no format of ours holds.

Each entry is (what it is, a top-level `extra:` value or whole text, words of the expected refusal).
`as_key` adds it under a key of an otherwise valid document of each format.
"""

from __future__ import annotations

LAUGHS = "\n".join(
    ["  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)])
HOSTILE_YAML: dict[str, tuple[str, str]] = {
    "a recursive alias": ("&a [*a]", "anchors and aliases (&a) are not allowed"),
    "a recursive mapping": ("&m {self: *m}", "anchors and aliases (&m) are not allowed"),
    "a billion laughs": ("\n" + LAUGHS, "anchors and aliases (&l0) are not allowed"),
    "an alias to a plain value": ("{a: &x yes, b: *x}", "anchors and aliases (&x) are not allowed"),
    "a merge key": ("{base: &b {a: 1}, more: {<<: *b}}", "anchors and aliases (&b) are not allowed"),
    "100 nested lists": ("[" * 100 + "]" * 100, "nest more than 40 levels deep"),
    "5000 nested lists": ("[" * 5000 + "]" * 5000, "nest"),
    "60,000 values": ("[" + "1," * 60_000 + "1]", "more than 50,000 values"),
    "a 100,000-character value": ('"' + "a" * 100_000 + '"', "a value of 100,000 characters"),
    "a 5,000-digit number": ("9" * 5000, "a number of 5,000 characters"),
    "a 5,000-digit !!int": ('!!int "' + "9" * 5000 + '"', "a number of 5,000 characters"),
    "a date that does not exist": ("2026-02-30", "cannot read this value"),
    "a python object tag": ("!!python/object/apply:os.system [echo]", "the tag !!python/object/apply:os.system is"),
    "a set": ("!!set {a: null}", "the tag !!set is not allowed"),
    "a 3 MB document": ("x\n" + "# padding\n" * 300_000, "characters; at most 2,000,000 are read"),
}


def as_key(document: str, value: str) -> str:
    """`document` (valid YAML, a mapping) with `extra: value` added at its end."""
    return f"{document.rstrip()}\nextra: {value}\n"
