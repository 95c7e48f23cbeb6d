"""The bounded sandbox messages render in: how big a number, a list, a text or an output may grow, how long
a render may take, how deep a template may nest, and what may be printed.

Jinja2's sandbox stops a template reaching private data; it does not stop one computing 9**64**64**64
or a list of a billion items. Every arithmetic operation, attribute and item access, filter and call is
intercepted here and charged to the render's budget (steps and seconds), and its result is measured.
The budget is a plain counter and clock checked inside those operations and at every output write, so
it holds in a sync gunicorn worker, on any thread, with no signals.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

MAX_NUMBER = 10**15
"""The largest magnitude a number in a message may reach (a price has far fewer digits)."""
MAX_ITEMS = 1000
"""The most characters a text, or items (counted through nested lists), a computed value may hold."""
MAX_OUTPUT = 4000
"""The most characters a rendered message may have."""
MAX_STEPS = 20_000
"""The most operations (arithmetic, lookups, filters, calls, output writes) one render may take."""
MAX_SECONDS = 0.5
"""The longest one render may take, besides the time spent in the message's own helper, price()."""
MAX_NESTING = 12
"""How deep brackets, and separately blocks (if, for), may nest."""
MAX_TAG_TOKENS = 120
"""The most tokens (names, numbers, operators) one {{ }} or {% %} tag may hold."""
PLAIN = (str, int, float, Decimal, bool)
_BLOCKS = {"if": 1, "for": 1, "endif": -1, "endfor": -1}


class TooCostly(SecurityError):
    """A message would compute, hold or print more than the bounds allow (or cannot be printed)."""


@dataclass
class _Budget:
    steps: int
    deadline: float


_BUDGET: ContextVar[_Budget | None] = ContextVar("message_budget", default=None)


@contextmanager
def budget() -> Iterator[None]:
    """Charge the operations of the renders inside to a fresh budget of MAX_STEPS and MAX_SECONDS."""
    token = _BUDGET.set(_Budget(MAX_STEPS, time.monotonic() + MAX_SECONDS))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def charge() -> None:
    """Count one operation against the current render's budget; TooCostly when it is spent."""
    spent = _BUDGET.get()
    if spent is None:
        raise TooCostly("a message renders only inside a budget")
    spent.steps -= 1
    if spent.steps < 0:
        raise TooCostly(f"the message takes more than {MAX_STEPS} steps to render")
    if time.monotonic() > spent.deadline:
        raise TooCostly(f"the message takes longer than {MAX_SECONDS:g} s to render")


def _extend(seconds: float) -> None:
    spent = _BUDGET.get()
    if spent is not None:
        spent.deadline += seconds


def size(value: Any, limit: int = MAX_ITEMS) -> int:
    """The characters of a text, or the items of a list counted through nested lists (stops past `limit`)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        total = len(value)
        for item in value:
            if total > limit:
                break
            if isinstance(item, (str, list, tuple)):
                total += size(item, limit - total)
        return total
    return 0


def measured(value: Any) -> Any:
    """`value`, when it is within the bounds of a number or a sequence; TooCostly when it is not."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        magnitude: Any = abs(value)
        if magnitude > MAX_NUMBER:
            raise TooCostly(f"numbers in messages stay below {MAX_NUMBER:,}")
    elif isinstance(value, (str, list, tuple)) and size(value) > MAX_ITEMS:
        raise TooCostly(f"a text or list in a message holds at most {MAX_ITEMS} characters or items")
    return value


def printable(value: Any) -> Any:
    """What `{{ value }}` prints: text, a number, a yes/no, nothing for None, or a list of those."""
    charge()
    if value is None:
        return ""
    if isinstance(value, Undefined):
        return value  # printing it raises its own error (a missing name, or an unsafe attribute)
    if isinstance(value, PLAIN) or isinstance(value, (list, tuple)) and all(isinstance(v, PLAIN) for v in value):
        return measured(value)
    kind = "a function" if callable(value) else type(value).__name__
    raise TooCostly(f"{kind} cannot be printed; print a text or a number, such as items[0].title or "
                    "price(free_shipping_gap)")


def _repeat_size(left: Any, right: Any) -> int:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and not isinstance(times, bool):
            return size(seq) * max(times, 0)
    return 0


def _power_bits(left: Any, right: Any) -> float:
    if isinstance(left, int) and isinstance(right, int) and right > 0:
        return max(left.bit_length(), 1) * right
    return 0


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every operation charged to the budget and every result measured."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse an operation whose result would exceed the bounds before computing it, then measure it."""
        charge()
        if operator == "*" and _repeat_size(left, right) > MAX_ITEMS:
            raise TooCostly(f"repetition is limited to {MAX_ITEMS} characters or items")
        exponent: Any = abs(right) if isinstance(right, (int, float, Decimal)) else None
        if operator == "**" and (exponent is None or exponent > 64 or _power_bits(left, right) > 64):
            raise TooCostly(f"powers are limited to exponents up to 64 and results below {MAX_NUMBER:,}")
        if operator == "%" and isinstance(left, str):
            raise TooCostly("%-formatting is not available in messages; write {{ value }}")
        return measured(super().call_binop(context, operator, left, right))

    def call_unop(self, context: Any, operator: str, arg: Any) -> Any:
        """Charge and measure a unary operation."""
        charge()
        return measured(super().call_unop(context, operator, arg))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Charge an attribute lookup."""
        charge()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Charge an item lookup or slice, and measure what it returns."""
        charge()
        return measured(super().getitem(obj, argument))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Charge a call and measure its result; the time inside is not the template's (the only function a
        message may call is price(), our own, whose first call loads the locale data)."""
        charge()
        started = time.monotonic()
        try:
            return measured(super().call(__context, __obj, *args, **kwargs))
        finally:
            _extend(time.monotonic() - started)


def _charged(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)  # keeps jinja's pass_context / pass_environment marks
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        charge()
        return measured(function(*args, **kwargs))
    return wrapper


def bounded_environment(filters: tuple[str, ...], tests: tuple[str, ...]) -> BoundedSandbox:
    """The sandbox with only `filters` and `tests`, no globals, strict undefined and plain printing."""
    env = BoundedSandbox(autoescape=True, undefined=StrictUndefined, auto_reload=False, finalize=printable)
    env.globals.clear()
    env.filters = {name: _charged(env.filters[name]) for name in filters}
    env.tests = {name: env.tests[name] for name in tests}
    return env


def render_bounded(template: Any, variables: dict[str, Any]) -> str:
    """Render `template` within a fresh budget, refusing output past MAX_OUTPUT characters."""
    parts: list[str] = []
    length = 0
    with budget():
        for part in template.generate(variables):
            charge()
            length += len(part)
            if length > MAX_OUTPUT:
                raise TooCostly(f"the message renders to more than {MAX_OUTPUT} characters")
            parts.append(part)
    return str(Markup("").join(parts)) if parts else ""


def shape_problem(env: BoundedSandbox, text: str) -> tuple[str, int] | None:
    """Why `text` nests too deep or packs too much into one tag (with its line), before the parser recurses."""
    try:
        stream = [(line, kind, value) for line, kind, value in env.lex(text) if kind != "whitespace"]
    except TemplateSyntaxError:
        return None  # the parser reports it with its line
    brackets = blocks = tokens = 0
    previous = ""
    for line, kind, value in stream:
        tokens = 0 if kind in ("variable_begin", "block_begin") else tokens + 1
        if kind == "operator" and value in "([{":
            brackets += 1
        elif kind == "operator" and value in ")]}":
            brackets = max(0, brackets - 1)
        elif kind == "name" and previous == "block_begin":
            blocks += _BLOCKS.get(value, 0)
        if tokens > MAX_TAG_TOKENS:
            return f"one {{{{ }}}} or {{% %}} holds at most {MAX_TAG_TOKENS} names, numbers and operators", line
        if brackets > MAX_NESTING or blocks > MAX_NESTING:
            return f"brackets and blocks nest at most {MAX_NESTING} deep in a message", line
        previous = kind
    return None
