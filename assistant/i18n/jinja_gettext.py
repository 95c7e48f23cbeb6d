"""Jinja's new-style gettext over the one catalogue, for the templates that mark their words with `_()`: the
abandoned-basket e-mail (baskets/email_language.py) and the demo shop's pages (demo/shop.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup


def gettext_from(translate: Callable[[str], str]) -> Callable[..., str]:
    """Jinja's new-style gettext over `translate`: the text translated, then its `%(name)s` filled with the call's
    keywords (escaped when the template autoescapes). A translation that no longer fills is dropped for the text."""
    @pass_context
    def gettext(context: Context, text: str, /, **values: Any) -> str:
        translated = translate(text)
        for candidate in (translated, text) if translated != text else (text,):
            shown = Markup(candidate) if context.eval_ctx.autoescape else candidate
            try:
                return shown % values
            except (KeyError, ValueError, TypeError):
                continue
        raise ValueError(f"the text {text!r} does not fill with {sorted(values)}")
    return gettext
