"""Messages: Jinja2 templates in an immutable sandbox with autoescape, checked when saved, safe when served.

A message can use exactly `cart_total`, `free_shipping_gap` (numbers in major units; the gap is 0
when there is none), `currency`, `first_name` ('' when unknown), `items` (a list of
{title, price, url}; when the cart is short of free shipping, items[0] closes the gap) and
`price(amount)`. On top of the sandbox (no `_` attributes, no mutation), a saved template may use
only expressions, `if` and one level of `for`: no `set`, macros, includes, `autoescape` blocks,
method calls or raw HTML, and repetition and powers are bounded, so a message cannot leak data,
inject markup, or exhaust the server.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from types import TracebackType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from assistant.promotions.money import PriceStyle, format_price

log = logging.getLogger(__name__)
NAMES = frozenset({"cart_total", "free_shipping_gap", "currency", "first_name", "items", "price"})
MAX_REPEAT = 1000
MAX_OUTPUT = 4000
FILTERS = ("abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int", "last", "length",
           "lower", "round", "string", "title", "trim", "truncate", "upper")
TESTS = ("defined", "undefined", "none", "number", "string", "odd", "even", "divisibleby", "eq", "ne", "lt", "le",
         "gt", "ge", "in", "true", "false")
_ALLOWED_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.Getattr,
                  nodes.Getitem, nodes.Slice, nodes.Filter, nodes.Test, nodes.Call, nodes.If, nodes.For,
                  nodes.CondExpr, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Concat,
                  nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.Neg,
                  nodes.Pos, nodes.List, nodes.Tuple, nodes.Keyword)
_TAGS = {"Assign": "{% set %}", "AssignBlock": "{% set %}", "Macro": "{% macro %}", "CallBlock": "{% call %}",
         "FilterBlock": "{% filter %}", "With": "{% with %}", "Block": "{% block %}", "Include": "{% include %}",
         "Import": "{% import %}", "FromImport": "{% from %}", "Extends": "{% extends %}", "ExprStmt": "{% do %}",
         "EvalContextModifier": "{% autoescape %}", "ScopedEvalContextModifier": "{% autoescape %}",
         "Scope": "{% autoescape %}"}
_HTML = re.compile(r"<[A-Za-z!/?]")


@dataclass(frozen=True)
class TemplateProblem:
    """Why a template cannot be used, and the line (1-based) when known."""

    message: str
    line: int | None = None

    def format(self) -> str:
        """'line 2: message' or just the message."""
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Rendered:
    """A rendered message: `html` is escaped markup, `text` the same words for `textContent`."""

    html: str
    text: str


@dataclass(frozen=True)
class MessageContext:
    """The values a message may use; `items` are dicts with title, price (major units) and url."""

    cart_total: Decimal = Decimal(0)
    free_shipping_gap: Decimal = Decimal(0)
    currency: str = "EUR"
    first_name: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    price_style: PriceStyle = "prefix"

    def variables(self) -> dict[str, Any]:
        """The template's variables: exactly the names in NAMES."""
        def price(amount: Any) -> str:
            """`amount` formatted in the shop's currency."""
            return format_price(amount, self.currency, self.price_style)

        return {"cart_total": self.cart_total, "free_shipping_gap": self.free_shipping_gap,
                "currency": self.currency, "first_name": self.first_name,
                "items": [dict(item) for item in self.items], "price": price}


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with repetition, powers and %-formatting bounded."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse operations whose result could exhaust memory or time."""
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_REPEAT:
                    raise SecurityError(f"repetition is limited to {MAX_REPEAT} characters or items")
        elif operator == "**" and (not isinstance(right, (int, float)) or abs(right) > 64):
            raise SecurityError("powers are limited to exponents up to 64")
        elif operator == "%" and isinstance(left, str):
            raise SecurityError("%-formatting is not available in messages; write {{ value }}")
        return super().call_binop(context, operator, left, right)


def _environment() -> _Sandbox:
    env = _Sandbox(autoescape=True, undefined=StrictUndefined, auto_reload=False)
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in FILTERS}
    env.tests = {name: env.tests[name] for name in TESTS}
    return env


_ENV = _environment()


def check_template(text: str) -> TemplateProblem | None:
    """The first problem of a message template (syntax, names, policy, or rendering a sample), or None."""
    compiled = compile_message(text)
    if isinstance(compiled, TemplateProblem):
        return compiled
    try:
        _render(compiled, sample_context())
    except Exception as exc:  # noqa: BLE001  (any rendering failure is the marketer's to fix)
        return TemplateProblem(_describe(exc), _template_line(exc.__traceback__))
    return None


@lru_cache(maxsize=2048)
def compile_message(text: str) -> Template | TemplateProblem:
    """The compiled template for `text`, or why it is refused (cached by text: compiled once)."""
    if len(text) > 2 * MAX_OUTPUT:
        return TemplateProblem(f"a message has at most {2 * MAX_OUTPUT} characters")
    try:
        tree = _ENV.parse(text)
    except TemplateSyntaxError as exc:
        return TemplateProblem(f"syntax error: {exc.message}", exc.lineno)
    problem = _policy_problem(tree)
    if problem:
        return problem
    return _ENV.from_string(tree)


@lru_cache(maxsize=2048)
def uses_items(text: str) -> bool:
    """Whether a (valid) message refers to `items`, so the products query can be skipped when it does not."""
    compiled = compile_message(text)
    if isinstance(compiled, TemplateProblem):
        return False
    return "items" in meta.find_undeclared_variables(_ENV.parse(text))


def render_message(text: str, context: MessageContext) -> Rendered | None:
    """Render a saved message for a shopper; None (logged, never shown) when it cannot be rendered."""
    compiled = compile_message(text)
    if isinstance(compiled, TemplateProblem):
        log.warning("promotion message refused: %s", compiled.format())
        return None
    try:
        return _render(compiled, context)
    except Exception as exc:  # noqa: BLE001  (a broken message is skipped, never shown)
        log.warning("promotion message failed to render: %s", _describe(exc))
        return None


def _render(template: Template, context: MessageContext) -> Rendered:
    markup = template.render(context.variables()).strip()
    if len(markup) > MAX_OUTPUT:
        raise ValueError(f"the message renders to more than {MAX_OUTPUT} characters")
    return Rendered(html=markup, text=html.unescape(markup))


def sample_context(currency: str = "EUR", price_style: PriceStyle = "prefix") -> MessageContext:
    """A typical visitor's context, used to test-render templates when they are saved."""
    items = [{"title": f"Sample product {i}", "price": Decimal("9.90") + i, "url": f"/products/sample-{i}"}
             for i in range(1, 7)]
    return MessageContext(cart_total=Decimal("42.00"), free_shipping_gap=Decimal("8.00"), currency=currency,
                          first_name="Alex", items=items, price_style=price_style)


def _policy_problem(tree: nodes.Template) -> TemplateProblem | None:
    try:
        unknown = sorted(meta.find_undeclared_variables(tree) - NAMES)
    except TemplateSyntaxError:  # an unknown filter or test: the node walk below names it
        unknown = []
    if unknown:
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == unknown[0]), None)
        return TemplateProblem(f"'{unknown[0]}' is not available; use {', '.join(sorted(NAMES))}", line)
    called = {id(call.node) for call in tree.find_all(nodes.Call)}
    for node in _walk(tree):
        problem = _node_problem(node)
        if isinstance(node, nodes.Name) and node.name == "price" and id(node) not in called:
            problem = "price is a function: write price(amount)"
        if problem:
            return TemplateProblem(problem, _line(node))
    return None


def _line(node: nodes.Node) -> int | None:
    for each in _walk(node):
        if getattr(each, "lineno", None):
            return int(each.lineno)
    return None


def _walk(node: nodes.Node) -> Iterable[nodes.Node]:
    yield node
    for child in node.iter_child_nodes():
        yield from _walk(child)


def _node_problem(node: nodes.Node) -> str | None:
    if not isinstance(node, _ALLOWED_NODES):
        name = type(node).__name__
        return f"{_TAGS.get(name, name)} is not available in messages"
    if isinstance(node, nodes.TemplateData) and _HTML.search(node.data):
        return "messages are plain text: HTML tags are not allowed"
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return f"'{node.attr}' cannot be used: names starting with _ are private"
    if isinstance(node, nodes.Call) and not (isinstance(node.node, nodes.Name) and node.node.name == "price"):
        return "the only function a message can call is price(amount)"
    if isinstance(node, nodes.Filter) and node.name not in FILTERS:
        return f"the filter '{node.name}' is not available; use one of {', '.join(FILTERS)}"
    if isinstance(node, nodes.Test) and node.name not in TESTS:
        return f"the test '{node.name}' is not available"
    if isinstance(node, nodes.For) and any(True for _ in node.find_all(nodes.For)):
        return "loops cannot be nested in a message"
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SecurityError):
        return f"not allowed: {exc}"
    return str(exc) or type(exc).__name__


def _template_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
