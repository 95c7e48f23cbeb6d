"""Reminder templates: sandboxed Jinja2, checked when a merchant saves them, bounded when they render.

A reminder's subject, HTML and text are Jinja2 templates in the promotions' bounded sandbox
(promotions/sandbox.py: numbers, texts, lists, steps and time are limited, only plain values print),
with autoescape on for HTML and off for the subject and text. On top of the sandbox a template may use
only the names in NAMES, expressions, `if` and `for`: no `set`, macros, includes, imports or calls, so
it can neither reach data nor loop for long. The output may be far longer than a promotion message
(MAX_EMAIL), since an e-mail is a whole page. The shipped templates (templates/email/basket.html and
basket.txt) pass the same checks: a merchant can start from a copy. Their words are marked with `_()`
(Jinja's i18n extension, new-style gettext), the one call a template may make, and are written in the shopper's
language (email_language.py); `{% trans %}` works too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from jinja2 import Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError

from assistant.baskets.email_language import ENGLISH
from assistant.promotions.sandbox import BoundedSandbox, bounded_environment, budget, charge, shape_problem

Kind = Literal["subject", "html", "text"]
NAMES = frozenset({"shop", "first_name", "items", "more_items", "total", "currency", "recommendations", "coupon",
                   "restore_url", "unsubscribe_url", "step", "lang", "dir", "loop"})
"""What a reminder template may use (see docs/baskets.md); `loop` is Jinja's own inside a `for`."""
GETTEXT = frozenset({"_", "gettext"})
"""The translating calls: `_("text", name=value)` and what `{% trans %}` compiles to."""
FILTERS = ("abs", "capitalize", "count", "d", "default", "e", "escape", "first", "int", "last", "length", "lower",
           "round", "string", "title", "trim", "truncate", "upper")
TESTS = ("defined", "undefined", "none", "number", "string", "odd", "even", "divisibleby", "eq", "ne", "lt", "le",
         "gt", "ge", "in", "true", "false")
MAX_EMAIL = 100_000
"""The most characters a rendered HTML or text body may have (Gmail clips a message past about 102 kB)."""
MAX_SUBJECT = 300
_ALLOWED_NODES = (nodes.Call, nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.Getattr,
                  nodes.Getitem, nodes.Slice, nodes.Filter, nodes.Test, nodes.If, nodes.For, nodes.CondExpr,
                  nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Concat, nodes.Add, nodes.Sub,
                  nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Neg, nodes.Pos, nodes.List, nodes.Tuple,
                  nodes.Keyword)
_TAGS = {"Assign": "{% set %}", "AssignBlock": "{% set %}", "Macro": "{% macro %}", "CallBlock": "{% call %}",
         "FilterBlock": "{% filter %}", "With": "{% with %}", "Block": "{% block %}", "Include": "{% include %}",
         "Import": "{% import %}", "FromImport": "{% from %}", "Extends": "{% extends %}", "ExprStmt": "{% do %}",
         "EvalContextModifier": "{% autoescape %}", "ScopedEvalContextModifier": "{% autoescape %}",
         "Scope": "{% autoescape %}", "Call": "calling a function", "Pow": "**"}


@dataclass(frozen=True)
class TemplateProblem:
    """Why one of a step's templates cannot be used: the field (subject, html, text), the reason, the line."""

    field: str
    message: str
    line: int | None = None

    def format(self) -> str:
        """'html, line 3: reason' or 'html: reason'."""
        where = f"{self.field}, line {self.line}" if self.line else self.field
        return f"{where}: {self.message}"


def _environment(autoescape: bool) -> BoundedSandbox:
    env = bounded_environment(FILTERS, TESTS)
    env.autoescape = autoescape
    env.add_extension("jinja2.ext.i18n")  # `_` as a global; `gettext` comes with each render's variables
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    return env


_ENVS: dict[bool, BoundedSandbox] = {True: _environment(True), False: _environment(False)}


def _env(kind: Kind) -> BoundedSandbox:
    return _ENVS[kind == "html"]


@lru_cache(maxsize=256)
def compile_template(kind: Kind, text: str) -> Template | TemplateProblem:
    """The compiled template, or the first reason it is refused (syntax, nesting, names, tags); cached by text."""
    env = _env(kind)
    shape = shape_problem(env, text)
    if shape:
        return TemplateProblem(kind, *shape)
    try:
        tree = env.parse(text)
        return _policy_problem(kind, tree) or env.from_string(tree)
    except TemplateSyntaxError as exc:
        return TemplateProblem(kind, f"syntax error: {exc.message}", exc.lineno)
    except RecursionError:
        return TemplateProblem(kind, "the template nests too deeply; split it into simpler parts")


def render(template: Template, kind: Kind, variables: dict[str, Any]) -> str:
    """Render within a fresh budget of steps and time, refusing output past MAX_EMAIL characters (SecurityError).
    The words are English unless `variables` bring a `gettext` (email_language.language)."""
    limit = MAX_SUBJECT * 4 if kind == "subject" else MAX_EMAIL
    parts: list[str] = []
    length = 0
    with budget():
        for part in template.generate({"gettext": ENGLISH, "lang": "en", "dir": "ltr", **variables}):
            charge()
            length += len(part)
            if length > limit:
                raise SecurityError(f"the {kind} renders to more than {limit:,} characters")
            parts.append(part)
    return "".join(parts)  # printed values were escaped as they were written (autoescape), template text is kept


def describe(exc: BaseException) -> str:
    """A rendering failure in words a merchant can act on."""
    if isinstance(exc, SecurityError):  # the sandbox's hint names a promotion's names; ours are these
        return f"not allowed: {exc}".replace("price(free_shipping_gap)", "total")
    if isinstance(exc, ArithmeticError):
        return f"a number in the template cannot be computed ({type(exc).__name__})"
    return str(exc) or type(exc).__name__


def template_line(exc: BaseException) -> int | None:
    """The template's line a rendering error was raised at, when known."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _policy_problem(kind: Kind, tree: nodes.Template) -> TemplateProblem | None:
    try:
        unknown = sorted(meta.find_undeclared_variables(tree) - NAMES - GETTEXT)
    except TemplateSyntaxError:  # an unknown filter or test: the node walk below names it
        unknown = []
    if unknown:
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == unknown[0]), None)
        names = ", ".join(sorted(NAMES - {"loop"}))
        return TemplateProblem(kind, f"'{unknown[0]}' is not available; use {names}", line)
    for node in tree.find_all(nodes.Node):
        problem = _node_problem(node)
        if problem:
            return TemplateProblem(kind, problem, getattr(node, "lineno", None))
    return None


def _node_problem(node: nodes.Node) -> str | None:
    if not isinstance(node, _ALLOWED_NODES):
        name = type(node).__name__
        return f"{_TAGS.get(name, name)} is not available in reminder templates"
    if isinstance(node, nodes.Call) and not _translating(node):
        return "calling a function is not available in reminder templates, except _(\"text\")"
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return f"'{node.attr}' cannot be used: names starting with _ are private"
    if isinstance(node, nodes.Filter) and node.name not in FILTERS:
        return f"the filter '{node.name}' is not available; use one of {', '.join(FILTERS)}"
    if isinstance(node, nodes.Test) and node.name not in TESTS:
        return f"the test '{node.name}' is not available"
    return None


def _translating(call: nodes.Call) -> bool:
    """`_("text", name=value, ...)`: a translating call of one written text with keyword values only."""
    return (isinstance(call.node, nodes.Name) and call.node.name in GETTEXT and len(call.args) == 1
            and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str)
            and call.dyn_args is None and call.dyn_kwargs is None)
