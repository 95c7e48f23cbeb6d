"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from __future__ import annotations

from sqlmodel import SQLModel

from assistant.catalog.models import Product
from assistant.flows.models import QuizSession
from assistant.sites.models import Site

metadata = SQLModel.metadata
__all__ = ["Product", "QuizSession", "Site", "metadata"]
