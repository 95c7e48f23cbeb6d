"""The widget's budget: widget.js and widget.css together stay under 15 KB gzipped."""

from __future__ import annotations

import gzip

from assistant.paths import resource_dir

BUDGET_BYTES = 15 * 1024


def gzipped_size(name: str) -> int:
    """Bytes of static/widget/`name` after gzip at the highest level."""
    return len(gzip.compress((resource_dir("static") / "widget" / name).read_bytes(), compresslevel=9))


def test_widget_fits_the_size_budget() -> None:
    sizes = {name: gzipped_size(name) for name in ("widget.js", "widget.css")}
    total = sum(sizes.values())
    print(f"widget gzipped: {sizes['widget.js']} B js + {sizes['widget.css']} B css = {total} B "
          f"of {BUDGET_BYTES} B budget")
    assert total < BUDGET_BYTES
