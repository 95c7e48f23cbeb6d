"""`assistant site create --control-share` and `assistant site set --control-share`: the share stored, a bad one
refused with the field and the range, and visitors already seen keeping their group."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from assistant.db import make_engine
from assistant.sites.models import Site
from tests.test_cli import migrated, migrated_template, run  # noqa: F401  (fixtures)


def share_of(tmp_path: Path, key: str) -> float:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with Session(engine) as session:
            return session.exec(select(Site.control_share).where(Site.key == key)).one()
    finally:
        engine.dispose()


@pytest.mark.usefixtures("migrated")
def test_the_share_is_set_when_created_and_changed_later(tmp_path: Path) -> None:
    assert run("site", "create", "--name", "Shop", "--key", "pk_default", tmp_path=tmp_path).returncode == 0
    assert share_of(tmp_path, "pk_default") == 0.05
    created = run("site", "create", "--name", "Shop", "--key", "pk_cli", "--control-share", "0.1", tmp_path=tmp_path)
    assert (created.returncode, created.stdout.strip()) == (0, "pk_cli")
    assert share_of(tmp_path, "pk_cli") == 0.1
    changed = run("site", "set", "--site", "pk_cli", "--control-share", "0", tmp_path=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.strip() == "pk_cli: control share 0.1 -> 0 (new visitors; seen ones keep theirs)"
    assert share_of(tmp_path, "pk_cli") == 0


@pytest.mark.usefixtures("migrated")
@pytest.mark.parametrize("share", ["0.6", "-0.1", "nan"])
def test_a_share_out_of_range_is_refused(tmp_path: Path, share: str) -> None:
    assert run("site", "create", "--name", "Shop", "--key", "pk_cli", tmp_path=tmp_path).returncode == 0
    refused = run("site", "set", "--site", "pk_cli", "--control-share", share, tmp_path=tmp_path)
    assert refused.returncode == 2 and "control_share: must be from 0 to 0.5" in refused.stderr
    created = run("site", "create", "--name", "Shop", "--key", "pk_two", "--control-share", share, tmp_path=tmp_path)
    assert created.returncode == 2 and "control_share: must be from 0 to 0.5" in created.stderr
    assert share_of(tmp_path, "pk_cli") == 0.05


@pytest.mark.usefixtures("migrated")
def test_an_unknown_site_is_named(tmp_path: Path) -> None:
    refused = run("site", "set", "--site", "pk_nope", "--control-share", "0.1", tmp_path=tmp_path)
    assert refused.returncode == 2 and "no site has the key 'pk_nope'" in refused.stderr
