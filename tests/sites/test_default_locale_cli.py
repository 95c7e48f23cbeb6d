"""`assistant site set --default-locale`: a locale CLDR knows stored as a BCP 47 tag, '' for English, an unknown
one refused with the field; nothing to change is a usage error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from assistant.db import make_engine
from assistant.sites.models import Site
from tests.test_cli import migrated, migrated_template, run  # noqa: F401  (fixtures)


def locale_of(tmp_path: Path, key: str) -> str | None:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with Session(engine) as session:
            return session.exec(select(Site.default_locale).where(Site.key == key)).one()
    finally:
        engine.dispose()


@pytest.mark.usefixtures("migrated")
def test_the_default_locale_is_set_checked_and_cleared(tmp_path: Path) -> None:
    assert run("site", "create", "--name", "Shop", "--key", "pk_cli", tmp_path=tmp_path).returncode == 0
    changed = run("site", "set", "--site", "pk_cli", "--default-locale", "fr_ca", tmp_path=tmp_path)
    assert (changed.returncode, changed.stdout.strip()) == (0, "pk_cli: default locale en -> fr-CA"), changed.stderr
    assert locale_of(tmp_path, "pk_cli") == "fr-CA"
    refused = run("site", "set", "--site", "pk_cli", "--default-locale", "klingon", tmp_path=tmp_path)
    assert refused.returncode == 2 and "default_locale: 'klingon' is not a locale CLDR knows" in refused.stderr
    assert locale_of(tmp_path, "pk_cli") == "fr-CA"
    nothing = run("site", "set", "--site", "pk_cli", tmp_path=tmp_path)
    assert nothing.returncode == 2 and "--control-share and/or --default-locale" in nothing.stderr
    cleared = run("site", "set", "--site", "pk_cli", "--default-locale", "", tmp_path=tmp_path)
    assert cleared.stdout.strip() == "pk_cli: default locale fr-CA -> en"
    assert locale_of(tmp_path, "pk_cli") is None
