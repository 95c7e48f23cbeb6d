"""The sandbox's bounds: every hostile message is refused when saved, and renders (if stored some other way)
within the bounds, fast, to nothing shown; ordinary messages are untouched."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from assistant.promotions import sandbox
from assistant.promotions.render import (
    MessageContext,
    check_template,
    compile_message,
    render_message,
    sample_context,
)
from tests.promotions.hostile_templates import HOSTILE

BIG_CART = MessageContext(cart_total=Decimal("6000"), first_name="", items=sample_context().items)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_every_hostile_message_is_refused_when_saved_and_never_shown(text: str) -> None:
    started = time.perf_counter()
    problem = check_template(text)
    saved = time.perf_counter() - started
    assert problem is not None and problem.message, text
    for context in (BIG_CART, MessageContext(), sample_context()):
        started = time.perf_counter()
        shown = render_message(text, context)  # a branch this visitor does not take may show the rest
        served = time.perf_counter() - started
        assert shown is None or len(shown.html) <= sandbox.MAX_OUTPUT and "<" not in shown.html, shown
        assert served < 1.0, (context, served)
    assert saved < 2.0, saved


@pytest.mark.parametrize(("text", "words"), [
    (HOSTILE["power tower behind a big-cart branch"], "powers are limited"),
    (HOSTILE["a billion zeros"], "repetition is limited to 1000"),
    (HOSTILE["a loop printing 1 MB"], "more than 4000 characters"),
    (HOSTILE["a method"], "a function cannot be printed"),
    (HOSTILE["a product as a dict"], "dict cannot be printed"),
    (HOSTILE["150 parentheses"], "nest at most 12 deep"),
    (HOSTILE["1500 additions"], "at most 120 names, numbers and operators"),
    (HOSTILE["many steps"], "steps to render"),
    (HOSTILE["products of big numbers"], "numbers in messages stay below"),
])
def test_the_reason_is_named(text: str, words: str) -> None:
    problem = check_template(text)
    assert problem is not None and words in problem.message, problem


def test_the_save_check_takes_every_branch() -> None:
    text = HOSTILE["power tower behind a big-cart branch"]
    assert render_message(text, sample_context()) is not None  # the EUR 42 sample alone passes it
    assert check_template(text) is not None


def test_ordinary_branches_that_fail_for_some_visitors_are_still_saved() -> None:
    assert check_template("{% if items %}Add {{ items[0].title }}{% else %}Hi{% endif %}") is None
    assert check_template("{{ first_name or 'friend' }}, {{ 'big' if cart_total > 100 else 'small' }}") is None
    assert check_template("{% if cart_total > 100 %}{{ price(cart_total * 0.1) }} off{% endif %}") is None


def test_a_render_stops_at_its_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.0)
    compiled = compile_message("{{ first_name ~ '!' }}")
    assert not isinstance(compiled, Exception)
    with pytest.raises(sandbox.TooCostly, match="longer than 0 s"):
        sandbox.render_bounded(compiled, MessageContext(first_name="Al").variables())


def test_plain_values_print_and_none_prints_nothing() -> None:
    text = "{{ first_name }}|{{ cart_total }}|{{ 3 > 2 }}|{{ none }}|{{ [1, 'a'] }}|{{ 2.5 }}"
    rendered = render_message(text, MessageContext(first_name="Al", cart_total=Decimal("9.50")))
    assert rendered is not None and rendered.text == "Al|9.50|True||[1, 'a']|2.5"


def test_time_inside_price_is_not_the_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.promotions import render

    def slow_first_call(*args: object) -> str:  # as babel's first call, loading the locale data, can be
        time.sleep(sandbox.MAX_SECONDS + 0.1)
        return "€1.00"

    monkeypatch.setattr(render, "format_price", slow_first_call)
    rendered = render_message("Only {{ price(free_shipping_gap) }} to go", MessageContext())
    assert rendered is not None and rendered.text == "Only €1.00 to go"
