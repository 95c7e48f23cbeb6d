"""`assistant i18n extract | update | compile`: the gettext catalogue of flows, surveys, campaigns, templates and
the widget's strings (docs/i18n.md). Babel does the work; this names the files and the extractors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.flows.problems import Problem

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

METHODS = [("flows/**.yaml", "assistant.i18n.extract:extract_yaml"),
           ("surveys/**.yaml", "assistant.i18n.extract:extract_yaml"),
           ("campaigns/**.yaml", "assistant.i18n.extract:extract_yaml"),
           ("templates/**.html", "jinja2.ext:babel_extract"),
           ("templates/email/**.txt", "jinja2.ext:babel_extract"),
           ("static/widget/**.js", "javascript"),
           ("assistant/recommend/**.py", "assistant.i18n.extract:extract_marked"),
           ("assistant/baskets/**.py", "assistant.i18n.extract:extract_marked")]
"""What is extracted from where, under the installation's root (the folder holding flows/ and surveys/)."""
KEYWORDS = {"_": None, "gettext": None, "t": None, "tn": (1, 2)}
"""`_('...')` in the templates, `t('...')` in the widget's modules, `tn('{0} ...', '{0} ...s', n)` a counted one."""


def _root() -> Path:
    from assistant.paths import resource_dir

    return resource_dir("flows").parent


def _folder() -> Path:
    from assistant.paths import resource_dir

    return resource_dir("translations")


@click.group()
def i18n() -> None:
    """Translations: extract the texts, update each locale's catalogue, compile them."""


@i18n.command("extract")
def extract() -> None:
    """Write translations/messages.pot: every text a shopper reads, with its file and line."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    root = _root()
    catalog = Catalog(project="assistant", charset="utf-8")
    for name, line, message, comments, context in extract_from_dir(str(root), METHODS, keywords=KEYWORDS):
        catalog.add(message, None, [(name, line)], auto_comments=comments, context=context)
    _add_demo_campaigns(catalog, root)
    for entry in catalog:  # Jinja's `{% if %}` is no printf placeholder; Babel's guess would refuse translations
        entry.flags -= {"python-format", "python-brace-format"}
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.pot").open("wb") as handle:
        write_po(handle, catalog, width=100, sort_by_file=True)
    click.echo(f"{len(catalog)} text(s) extracted to {folder / 'messages.pot'}")


def _add_demo_campaigns(catalog: Catalog, root: Path) -> None:
    """The demo's campaign texts (seeded into the database from Python), located at their line in that file."""
    from assistant.demo.campaigns import CAMPAIGNS
    from assistant.i18n.extract import extract_campaigns

    source = root / "assistant" / "demo" / "campaigns.py"
    lines = source.read_text(encoding="utf-8").splitlines() if source.is_file() else []
    for _number, message in extract_campaigns(CAMPAIGNS):
        line = next((n for n, text in enumerate(lines, 1) if message[:24] in text), 0)
        catalog.add(message, None, [("assistant/demo/campaigns.py", line)])


@i18n.command("update")
@click.option("--locale", "locales", multiple=True, help="Start a catalogue for this locale too (e.g. de, ar).")
def update(locales: tuple[str, ...]) -> None:
    """Bring every locale's messages.po up to date with messages.pot (new texts empty, changed ones fuzzy)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    from assistant.i18n.catalogue import normalized

    folder = _folder()
    with (folder / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    wanted = {p.parent.parent.name for p in folder.glob("*/LC_MESSAGES/messages.po")}
    wanted |= {normalized(tag) for tag in locales if normalized(tag)}
    for locale in sorted(wanted):
        po = folder / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
        else:
            catalog = Catalog(locale=locale, project="assistant", charset="utf-8")
        catalog.update(template, update_header_comment=False)
        po.parent.mkdir(parents=True, exist_ok=True)
        with po.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
        untranslated = sum(1 for m in catalog if m.id and not m.string)
        click.echo(f"{po}: {len(catalog)} text(s), {untranslated} untranslated")


@i18n.command("compile")
def compile_catalogues() -> None:
    """Write each locale's messages.mo; exit 1 if a translation is broken (e.g. a placeholder lost)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    failed = False
    for po in sorted(_folder().glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message, errors in catalog.check():
            failed = True
            for error in errors:
                click.echo(f"{po}:{message.lineno}: error: {error}")
        with po.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)
        click.echo(f"{po.with_suffix('.mo')}: compiled", err=True)
    sys.exit(1 if failed else 0)


def untranslated(path: Path) -> list[Problem]:
    """The missing-translation warnings of one flow or survey file (its `locales:`), for the check commands."""
    from assistant.i18n.catalogue import get_catalogue
    from assistant.i18n.extract import parsed
    from assistant.i18n.missing import missing_translations

    try:
        data, locator = parsed(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []  # the check command reports the unreadable file
    return missing_translations(data, locator, get_catalogue(), str(path))
