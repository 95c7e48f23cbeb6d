"""The widget's budgets, gzipped: the core every page loads (widget.js + widget.css: tracking, the launchers and
the loaders) under 10 KB, and the parts it loads only when needed: the quiz when a launcher is pointed at or
pressed or an inline flow nears the viewport (quiz.js + quiz.css, under 10 KB), the recommendation strips where
a data-recs selector matches (recs.js + recs.css, under 5 KB) and the promotions where a data-promos selector
matches or on exit intent (promos.js + promos.css, under 5.25 KB since they brought the widget's words in the page's
language and the right-to-left layout: docs/i18n.md); and a survey when GET /surveys answers with one
(survey.js + survey.css, under 6 KB: six question kinds, follow-ups and the two-step save)."""

from __future__ import annotations

import gzip

import pytest

from assistant.paths import resource_dir

BUDGETS = {"core": (("widget.js", "widget.css"), 10 * 1024), "quiz": (("quiz.js", "quiz.css"), 10 * 1024),
           "recs": (("recs.js", "recs.css"), 5 * 1024), "promos": (("promos.js", "promos.css"), 5376),
           "survey": (("survey.js", "survey.css"), 6 * 1024)}


def gzipped_size(name: str) -> int:
    """Bytes of static/widget/`name` after gzip at the highest level."""
    return len(gzip.compress((resource_dir("static") / "widget" / name).read_bytes(), compresslevel=9))


@pytest.mark.parametrize("part", list(BUDGETS))
def test_widget_fits_the_size_budget(part: str) -> None:
    (script, style), budget = BUDGETS[part]
    sizes = {name: gzipped_size(name) for name in (script, style)}
    total = sum(sizes.values())
    print(f"{part} gzipped: {sizes[script]} B {script} + {sizes[style]} B {style} = {total} B of {budget} B budget")
    assert total <= budget


def test_every_file_of_the_widget_has_a_budget() -> None:
    files = {path.name for path in (resource_dir("static") / "widget").iterdir()}
    assert files == {name for names, _ in BUDGETS.values() for name in names}
