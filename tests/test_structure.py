"""The shape DESIGN.md asks for, made checkable: dependency direction and migrations in step with models."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from assistant.models import metadata

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"
DOMAIN = ["sites", "catalog", "merchandising", "flows", "tracking", "recommend", "users", "promotions", "analytics",
          "insight", "privacy", "surveys", "baskets"]
BELOW = {"catalog": ("flows", "recommend", "merchandising", "promotions"), "merchandising": ("flows", "recommend"),
         "flows": ("recommend", "promotions"),
         "insight": ("flows", "recommend", "merchandising", "promotions", "analytics"),
         "surveys": ("analytics",)}
"""What each package must not import: the packages above it (DESIGN.md: merchandising below flows and
recommend, which both use its rules and criteria; insight, which promotions will target by, takes
figures, not requests)."""
ABOVE_ALL = ("privacy",)
"""Packages no other domain package may import: privacy reads and deletes a person's rows in all of them."""


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_domain_packages_do_not_touch_requests_or_blueprints() -> None:
    for package in DOMAIN:
        for path in (PACKAGE / package).glob("*.py"):
            bad = {n for n in imports_of(path) if n in {"flask.request", "flask.g", "flask.session"}
                   or n.startswith(("assistant.api", "assistant.admin", "assistant.demo"))}
            assert not bad, f"{path.name} imports {bad}"


def test_packages_do_not_import_the_packages_above_them() -> None:
    for package, above in BELOW.items():
        for path in (PACKAGE / package).glob("*.py"):
            bad = {n for n in imports_of(path) if n.startswith(tuple(f"assistant.{a}" for a in above))}
            assert not bad, f"{package}/{path.name} imports {bad}"


def test_no_domain_package_imports_the_ones_above_all() -> None:
    for package in DOMAIN:
        above = tuple(f"assistant.{a}" for a in ABOVE_ALL if a != package)
        for path in (PACKAGE / package).glob("*.py"):
            bad = {n for n in imports_of(path) if n.startswith(above)}
            assert not bad, f"{package}/{path.name} imports {bad}"


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []
