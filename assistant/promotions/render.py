"""Messages: Jinja2 templates in an immutable sandbox with autoescape, checked when saved, safe when served.

A message can use exactly `cart_total`, `free_shipping_gap` (numbers in major units; the gap is 0
when there is none), `currency`, `first_name` ('' when unknown), `items` (a list of
{title, price, url}; when the cart is short of free shipping, items[0] closes the gap) and
`price(amount)`. On top of the sandbox (no `_` attributes, no mutation), a saved template may use
only expressions, `if` and one level of `for`: no `set`, macros, includes, `autoescape` blocks,
method calls or raw HTML. Rendering happens in the bounded sandbox (sandbox.py): numbers, texts,
lists, steps, time and output are limited and only plain values print, so a message cannot leak data,
inject markup, or exhaust the server. The save check renders every branch (if/elif/else, both arms
of `a if c else b`, both sides of and/or) for a small, a large and an empty cart, so a bound a branch
would break is refused when saved, not first met by a shopper.
"""

from __future__ import annotations

import copy
import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from types import TracebackType
from typing import Any

from jinja2 import Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.visitor import NodeTransformer

from assistant.promotions.money import PriceStyle, format_price
from assistant.promotions.sandbox import MAX_OUTPUT, bounded_environment, render_bounded, shape_problem

log = logging.getLogger(__name__)
NAMES = frozenset({"cart_total", "free_shipping_gap", "currency", "first_name", "items", "price"})
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
    locale: str | None = None
    """The page's locale, which decides over `price_style` (prices then read as the widget shows them there)."""

    def variables(self) -> dict[str, Any]:
        """The template's variables: exactly the names in NAMES."""
        def price(amount: Any) -> str:
            """`amount` formatted in the shop's currency."""
            return format_price(amount, self.currency, self.price_style, self.locale)

        return {"cart_total": self.cart_total, "free_shipping_gap": self.free_shipping_gap,
                "currency": self.currency, "first_name": self.first_name,
                "items": [dict(item) for item in self.items], "price": price}


_ENV = bounded_environment(FILTERS, TESTS)


def check_template(text: str) -> TemplateProblem | None:
    """The first problem of a message template (syntax, names, policy, or rendering a sample), or None."""
    compiled = compile_message(text)
    if isinstance(compiled, TemplateProblem):
        return compiled
    try:
        _render(compiled, sample_context())
    except Exception as exc:  # noqa: BLE001  (any rendering failure is the marketer's to fix)
        return TemplateProblem(_describe(exc), _template_line(exc.__traceback__))
    return _branch_problem(text, compiled)


def _branch_problem(text: str, compiled: Template) -> TemplateProblem | None:
    """The first bound broken by any branch, for a small, a large or an empty cart (other errors are tolerated:
    a message that cannot render for some visitor is skipped for them)."""
    every_branch = _ENV.from_string(_AllBranches().visit(copy.deepcopy(_ENV.parse(text))))
    for template in (compiled, every_branch):
        for context in branch_contexts():
            try:
                _render(template, context)
            except SecurityError as exc:
                return TemplateProblem(_describe(exc), _template_line(exc.__traceback__))
            except Exception:  # noqa: BLE001,S112  (not every branch makes sense for every sample)
                continue
    return None


class _AllBranches(NodeTransformer):
    """Rewrites a template so one render evaluates every branch: each if/elif/else body in turn, both arms of
    a conditional expression, both sides of and/or (each still yielding its usual value), and a loop's body
    for every item (its `if` dropped) followed by its else body."""

    def visit_If(self, node: nodes.If) -> nodes.Node:  # noqa: N802  (the visitor's naming)
        self.generic_visit(node)
        test = nodes.Tuple([node.test, nodes.Const(True)], "load", lineno=node.lineno)
        return nodes.If(test, [*node.body, *node.elif_, *node.else_], [], [], lineno=node.lineno)

    def visit_CondExpr(self, node: nodes.CondExpr) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        arms = [node.test, node.expr1, *([node.expr2] if node.expr2 is not None else [])]
        return _last_of([*arms, node], node.lineno)

    def visit_And(self, node: nodes.And) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        return _last_of([node.left, node.right, node], node.lineno)

    visit_Or = visit_And  # noqa: N815

    def visit_For(self, node: nodes.For) -> list[nodes.Node]:  # noqa: N802
        self.generic_visit(node)
        loop = nodes.For(node.target, node.iter, node.body, [], None, node.recursive, lineno=node.lineno)
        return [loop, *node.else_]  # every item, whatever its `if`; then the else body too


def _last_of(values: list[nodes.Expr], line: int) -> nodes.Expr:
    """An expression evaluating all of `values` and yielding the last one."""
    return nodes.Getitem(nodes.Tuple(values, "load", lineno=line), nodes.Const(len(values) - 1), "load",
                         lineno=line)


@lru_cache(maxsize=2048)
def compile_message(text: str) -> Template | TemplateProblem:
    """The compiled template for `text`, or why it is refused (cached by text: compiled once)."""
    if len(text) > 2 * MAX_OUTPUT:
        return TemplateProblem(f"a message has at most {2 * MAX_OUTPUT} characters")
    shape = shape_problem(_ENV, text)
    if shape:
        return TemplateProblem(*shape)
    try:
        tree = _ENV.parse(text)
        return _policy_problem(tree) or _ENV.from_string(tree)
    except TemplateSyntaxError as exc:
        return TemplateProblem(f"syntax error: {exc.message}", exc.lineno)
    except RecursionError:  # the shape check should have caught it first; never a 500 either way
        return TemplateProblem("the message nests too deeply; split it into simpler parts")


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
    markup = render_bounded(template, context.variables()).strip()
    return Rendered(html=markup, text=html.unescape(markup))


def sample_context(currency: str = "EUR", price_style: PriceStyle = "prefix") -> MessageContext:
    """A typical visitor's context, used to test-render templates when they are saved."""
    items = [{"title": f"Sample product {i}", "price": Decimal("9.90") + i, "url": f"/products/sample-{i}"}
             for i in range(1, 7)]
    return MessageContext(cart_total=Decimal("42.00"), free_shipping_gap=Decimal("8.00"), currency=currency,
                          first_name="Alex", items=items, price_style=price_style)


def branch_contexts() -> list[MessageContext]:
    """Visitors whose carts and names lead a message down different branches: typical, large and empty."""
    typical = sample_context()
    big = MessageContext(cart_total=Decimal("9999.99"), currency="EUR", first_name="Maximilian-Alexander",
                         items=typical.items[:1])
    return [typical, big, MessageContext()]


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
    if isinstance(exc, ArithmeticError):  # OverflowError, decimal.InvalidOperation, ZeroDivisionError
        return f"a number in the message cannot be computed ({type(exc).__name__})"
    return str(exc) or type(exc).__name__


def _template_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
