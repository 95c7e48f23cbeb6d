"""A translations folder of the test's own, made from (source, translation) pairs per locale."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from assistant.i18n import catalogue

Write = Callable[..., Path]


@pytest.fixture
def translations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Write]:
    """write(locale, {source: translation}, widget=...) writes that locale's messages.po (the sources in `widget`
    as the widget's own strings); the app's catalogue reads the folder."""
    folder = tmp_path / "translations"
    monkeypatch.setattr(catalogue, "FOLDER", folder)

    def write(locale: str, texts: dict[str, str], *, widget: Collection[str] = ("Back",)) -> Path:
        po = folder / locale / "LC_MESSAGES" / "messages.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        made = Catalog(locale=locale)
        for source, translation in texts.items():
            made.add(source, translation, [("static/widget/quiz.js" if source in widget else "flows/x.yaml", 1)])
        with po.open("wb") as handle:
            write_po(handle, made)
        catalogue.get_catalogue(folder)._checked = float("-inf")  # noqa: SLF001  (seen at once, not within the second)
        return po

    yield write
