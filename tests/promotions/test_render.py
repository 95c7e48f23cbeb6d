"""Messages: a sandbox that escapes what shoppers type and refuses what could reach the server."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.promotions.money import format_price
from assistant.promotions.render import MessageContext, check_template, compile_message, render_message

ITEMS = [{"title": "Trail socks", "price": Decimal("9.90"), "url": "/p/socks"}]


def render(text: str, **values: object) -> str:
    context = MessageContext(**{"free_shipping_gap": Decimal("8"), "items": ITEMS, **values})  # type: ignore[arg-type]
    rendered = render_message(text, context)
    assert rendered is not None
    return rendered.html


def test_a_gap_message_renders_with_prices_in_the_shop_currency() -> None:
    text = "Hi {{ first_name or 'there' }}, only {{ price(free_shipping_gap) }} to go: {{ items[0].title }} " \
           "({{ price(items[0].price) }})"
    assert check_template(text) is None
    assert render(text, first_name="Ada") == "Hi Ada, only €8.00 to go: Trail socks (€9.90)"
    assert render(text, price_style="suffix") == "Hi there, only 8,00\u00a0€ to go: Trail socks (9,90\u00a0€)"


@pytest.mark.parametrize(("amount", "currency", "style", "expected"), [
    (Decimal("8"), "EUR", "prefix", "€8.00"),
    (Decimal("8"), "EUR", "suffix", "8,00\u00a0€"),  # CLDR: a no-break space, as Intl.NumberFormat
    (1234.5, "EUR", "suffix", "1.234,50\u00a0€"),
    (1234.5, "USD", "prefix", "$1,234.50"),
    (800, "JPY", "prefix", "¥800"),
    (8, "CHF", "prefix", "CHF\u00a08.00"),
    (Decimal("0.005"), "GBP", "prefix", "£0.01"),
    (8, "XTS", "prefix", "XTS\u00a08.00"),
    (Decimal("1.2345"), "KWD", "prefix", "KWD\u00a01.235"),  # three decimals (CLDR)
])
def test_price_formatting(amount: Decimal, currency: str, style: str, expected: str) -> None:
    assert format_price(amount, currency, style) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "'><img src=x onerror=alert(1)>",
    "{{ 7*7 }}",
])
def test_shopper_values_are_escaped_and_inert(name: str) -> None:
    rendered = render_message("Welcome back, {{ first_name }}!", MessageContext(first_name=name))
    assert rendered is not None
    assert "<" not in rendered.html and '"' not in rendered.html and "'" not in rendered.html
    assert rendered.text == f"Welcome back, {name}!"  # shown with textContent: the literal characters
    assert "49" not in rendered.text


def test_product_titles_are_escaped_too() -> None:
    items = [{"title": "<b onclick=alert(1)>Tent</b>", "price": Decimal(1), "url": "javascript:alert(1)"}]
    assert render("{{ items[0].title }}", items=items) == "&lt;b onclick=alert(1)&gt;Tent&lt;/b&gt;"


@pytest.mark.parametrize(("text", "words"), [
    ("{{ ''.__class__.__mro__ }}", "private"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "only function"),
    ("{{ cycler.__init__.__globals__ }}", "'cycler' is not available"),
    ("{{ joiner.__init__.__globals__.os }}", "'joiner' is not available"),
    ("{{ namespace.__init__.__globals__ }}", "'namespace' is not available"),
    ("{{ lipsum.__globals__['os'].popen('id').read() }}", "'lipsum' is not available"),
    ("{{ self._TemplateReference__context }}", "private"),
    ("{{ self.__init__.__globals__ }}", "private"),
    ("{{ config }}", "'config' is not available"),
    ("{{ request.environ }}", "'request' is not available"),
    ("{{ price.__globals__ }}", "private"),
    ("{{ items[0]['__class__'] }}", "unsafe"),
    ("{{ items|attr('__class__') }}", "filter 'attr' is not available"),
    ("{{ first_name|safe }}", "filter 'safe' is not available"),
    ("{{ '{0.__class__}'.format(items) }}", "only function"),
    ("{{ items[0].title.upper() }}", "only function"),
    ("{% autoescape false %}{{ first_name }}{% endautoescape %}", "{% autoescape %}"),
    ("{% set x = items %}{{ x }}", "{% set %}"),
    ("{% include 'base.html' %}", "{% include %}"),
    ("{% import 'x' as y %}", "{% import %}"),
    ("{% extends 'base.html' %}", "{% extends %}"),
    ("{% macro m() %}{% endmacro %}", "{% macro %}"),
    ("{{ 'x' * 100000 }}", "repetition is limited"),
    ("{{ 9 ** 999999 }}", "powers are limited"),
    ("{{ '%0999999d' % 1 }}", "%-formatting"),
    ("{% for a in items %}{% for b in items %}{% endfor %}{% endfor %}", "nested"),
    ("<a href='x'>click</a>", "HTML tags are not allowed"),
    ("Hello <script>alert(1)</script>", "HTML tags are not allowed"),
    ("{{ price }}", "price is a function"),
])
def test_sandbox_escapes_are_refused_when_saved(text: str, words: str) -> None:
    problem = check_template(text)
    assert problem is not None, text
    assert words in problem.message


@pytest.mark.parametrize("text", ["{{ items[0]['__class__'] }}", "{{ ''.__class__ }}", "{{ cycler }}",
                                  "{{ 'x' * 100000 }}", "{% for", "{{ items[9].title }}", "{{ 1 / 0 }}"])
def test_what_cannot_render_is_never_shown(text: str) -> None:
    assert render_message(text, MessageContext(items=ITEMS)) is None


def test_syntax_and_name_errors_give_the_line() -> None:
    problem = check_template("Hello\n{{ first_name }\n")
    assert problem is not None and problem.line == 2 and problem.message.startswith("syntax error")
    problem = check_template("Hello\n\n{{ frist_name }}")
    assert problem is not None and problem.line == 3 and "'frist_name' is not available" in problem.message
    problem = check_template("a\n{{ items[0].titel }}")
    assert problem is not None and problem.line == 2 and "titel" in problem.message


def test_templates_compile_once() -> None:
    assert compile_message("Hi {{ first_name }}") is compile_message("Hi {{ first_name }}")


def test_loops_and_conditions_work() -> None:
    text = "{% if cart_total > 40 %}Big cart{% endif %}: {% for item in items %}{{ item.title }}" \
           "{% if not loop.last %}, {% endif %}{% endfor %}"
    assert check_template(text) is None
    items = [*ITEMS, {"title": "Mug", "price": Decimal(5), "url": "/p/mug"}]
    assert render(text, cart_total=Decimal(42), items=items) == "Big cart: Trail socks, Mug"


@pytest.mark.parametrize("text", ["{{ ''.__class__.__mro__ }}", "{{ x.__init__.__globals__ }}",
                                  "{{ self._TemplateReference__context }}", "{{ ''.format.__self__ }}"])
def test_the_sandbox_itself_refuses_private_attributes(text: str) -> None:
    from jinja2.exceptions import SecurityError, UndefinedError

    from assistant.promotions import render as module

    template = module._ENV.from_string(text)  # past the save-time policy: the sandbox is the second wall
    with pytest.raises((SecurityError, UndefinedError)):
        template.render(x=object())
