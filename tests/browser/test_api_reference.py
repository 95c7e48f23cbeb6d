"""The API reference page (/api/v1/docs) in Chromium on a phone and a desktop: every operation listed, nothing wider
than the screen, no request leaving the server.

Screenshots go to the test's temporary folder unless API_SCREENSHOTS names one (API_SCREENSHOTS=docs/screenshots
to renew them).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_reference_reads_on_a_phone_and_a_desktop(new_page: Callable[..., Any], live_server: str,
                                                       tmp_path: Path, device: str) -> None:
    page = new_page(phone=device == "phone")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/v1/docs")
    operations = page.locator("article.op")
    assert operations.count() >= 18
    assert page.locator("nav.toc a[href^='#']").count() >= operations.count()
    assert page.locator("#events .method").inner_text() == "POST"
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, "the page is wider than the screen"
    assert all(url.startswith(live_server) for url in requested), requested
    page.locator("a[href='#schema-EventBatch']").first.click()
    assert page.locator("#schema-EventBatch").is_visible()
    page.goto("/api/v1/docs")
    folder = Path(os.environ.get("API_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"api-reference-{device}.png"))
