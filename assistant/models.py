"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from __future__ import annotations

from sqlmodel import SQLModel

from assistant.catalog.models import Product
from assistant.flows.models import QuizSession
from assistant.sites.models import Site
from assistant.tracking.models import Cart, Customer, Event, Visitor, VisitSession
from assistant.users.models import User

metadata = SQLModel.metadata
__all__ = ["Cart", "Customer", "Event", "Product", "QuizSession", "Site", "User", "VisitSession", "Visitor", "metadata"]
