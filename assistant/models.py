"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from __future__ import annotations

from sqlmodel import SQLModel

from assistant.analytics.models import (
    EarningsGroupDay,
    EarningsPathDay,
    EarningsPromoDay,
    EarningsQuizDay,
    EarningsState,
    EarningsStripDay,
    EarningsSurveyDay,
)
from assistant.baskets.models import Basket, BasketMessage, BasketSettingsRow, EmailOptOut
from assistant.catalog.models import Product
from assistant.catalog.versions import CatalogState
from assistant.flows.models import FlowDraft, FlowPublication, QuizSession
from assistant.insight.models import CustomerFigure, InsightState
from assistant.leases import JobLease
from assistant.promotions.models import Campaign, PromotionSettings, Variant
from assistant.sites.models import Site
from assistant.surveys.models import SurveyResponse
from assistant.tracking.models import Cart, Customer, Event, ShopOrder, Visitor, VisitSession
from assistant.users.models import User, UserSite

metadata = SQLModel.metadata
__all__ = ["Basket", "BasketMessage", "BasketSettingsRow", "Campaign", "Cart", "CatalogState", "Customer",
           "CustomerFigure", "EarningsGroupDay", "EarningsPathDay", "EarningsPromoDay", "EarningsQuizDay",
           "EarningsState", "EarningsStripDay", "EarningsSurveyDay", "EmailOptOut", "Event", "FlowDraft",
           "FlowPublication", "InsightState", "JobLease", "Product", "PromotionSettings", "QuizSession", "ShopOrder",
           "Site", "SurveyResponse", "User", "UserSite", "Variant", "VisitSession", "Visitor", "metadata"]
