"""Numbers with units in a feed's text ("8GB", "1.37kg", "15.6\"", "1,5 l"), read as a number in one unit."""

from __future__ import annotations

import re
from decimal import Decimal

_SCALES: dict[str, dict[str, Decimal]] = {
    "mass": {"mg": Decimal("0.001"), "g": Decimal(1), "kg": Decimal(1000), "t": Decimal(1000000),
             "oz": Decimal("28.349523125"), "lb": Decimal("453.59237"), "lbs": Decimal("453.59237")},
    "length": {"mm": Decimal(1), "cm": Decimal(10), "m": Decimal(1000), "km": Decimal(1000000),
               "in": Decimal("25.4"), "inch": Decimal("25.4"), "inches": Decimal("25.4"), '"': Decimal("25.4"),
               "ft": Decimal("304.8")},
    "volume": {"ml": Decimal(1), "cl": Decimal(10), "dl": Decimal(100), "l": Decimal(1000)},
    "data": {"b": Decimal(1), "kb": Decimal(10**3), "mb": Decimal(10**6), "gb": Decimal(10**9), "tb": Decimal(10**12),
             "pb": Decimal(10**15)},
    "frequency": {"hz": Decimal(1), "khz": Decimal(10**3), "mhz": Decimal(10**6), "ghz": Decimal(10**9)},
    "power": {"w": Decimal(1), "kw": Decimal(1000)},
}
"""Each unit's size in its dimension's smallest common unit. Data units are decimal (1 TB = 1000 GB), as
drives and memory are sold; case does not matter ("GB", "gb", "Gb")."""

DIMENSION = {unit: dimension for dimension, scale in _SCALES.items() for unit in scale}
UNITS = ", ".join(sorted(DIMENSION))

# The first number that does not continue a word or another number ("i5" is no 5; "2.3GHz" is 2.3),
# then the unit written right after it, if any.
_NUMBER = re.compile(r"(?<![\w.,])([+-]?\d[\d.,]*)\s*([^\W\d_]+|\")?")
_PLAIN = {".": re.compile(r"[+-]?\d+(?:\.\d+)?"), ",": re.compile(r"[+-]?\d+(?:,\d+)?")}


class NotAQuantity(ValueError):
    """Why a text is not a number in the unit asked for, in words a merchandiser can act on."""


def is_unit(name: str) -> bool:
    """Whether `name` is a unit this module converts."""
    return name.casefold() in DIMENSION


def quantity(text: str, unit: str | None, decimal: str = ".") -> int | float:
    """A number in `text`, as a number of `unit`; whole results are ints.

    Without `unit`: the first number, whatever word follows it. With one: the first number followed by
    a unit of the same kind, converted ("1340g" as kg is 1.34; "Core i5 8250U 1.6GHz" as GHz is 1.6),
    else the first number followed by no word at all, taken as already in `unit`.
    """
    found = _pick(text, unit)
    if found is None:
        raise NotAQuantity(f"'{text}' has no number" + (f" in {unit} or a unit of {DIMENSION[unit.casefold()]}"
                                                         if unit else ""))
    digits, written = found[1].rstrip(".,"), found[2]
    if not _PLAIN[decimal].fullmatch(digits):
        other = "," if decimal == "." else "."
        hint = f"; set `decimal: \"{other}\"` if the feed writes decimals with a {_NAMES[other]}" if (
            other in digits and _PLAIN[other].fullmatch(digits)) else ""
        raise NotAQuantity(f"'{text}': '{digits}' is not a number with a decimal {_NAMES[decimal]}{hint}")
    value = Decimal(digits.replace(",", "."))
    if unit is not None and written is not None:
        value = _convert(text, value, written, unit)
    return int(value) if value == value.to_integral_value() else float(value)


_NAMES = {".": "point", ",": "comma"}


def _pick(text: str, unit: str | None) -> re.Match[str] | None:
    """The number `quantity` reads: the first; with `unit`, the first in its dimension, else the first bare one."""
    if unit is None:
        return _NUMBER.search(text)
    dimension, bare = DIMENSION[unit.casefold()], None
    for found in _NUMBER.finditer(text):
        if found[2] is None:
            bare = bare or found
        elif DIMENSION.get(found[2].casefold()) == dimension:
            return found
    return bare


def _convert(text: str, value: Decimal, written: str, unit: str) -> Decimal:
    source, target = written.casefold(), unit.casefold()
    if source not in DIMENSION:
        raise NotAQuantity(f"'{text}': '{written}' is not a unit of {DIMENSION[target]} "
                           f"(known: {', '.join(_SCALES[DIMENSION[target]])})")
    if DIMENSION[source] != DIMENSION[target]:
        raise NotAQuantity(f"'{text}': {written} is a unit of {DIMENSION[source]}, not of {DIMENSION[target]}")
    return (value * _SCALES[DIMENSION[source]][source] / _SCALES[DIMENSION[target]][target]).normalize()
