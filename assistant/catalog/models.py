"""Product table and its input and public shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pydantic import field_validator
from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.catalog.money import to_major
from assistant.timeutil import utcnow

AttributeValue = str | float | int | bool | list[str]


class ProductBase(SQLModel):
    """Fields shared by every product shape."""

    sku: str = Field(max_length=128, min_length=1)
    title: str = Field(max_length=500, min_length=1)
    description: str = ""
    url: str = Field(default="", max_length=2000)
    image: str = Field(default="", max_length=2000)
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    stock: int | None = None
    rating: float | None = None


class ProductIn(ProductBase):
    """One validated import row."""

    price_minor: int = Field(ge=0)
    categories: list[str] = []
    attributes: dict[str, AttributeValue] = {}

    @field_validator("sku", "title")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        return value


class Product(ProductBase, table=True):
    """A product of one site's catalog."""

    __table_args__ = (UniqueConstraint("site_id", "sku", name="uq_product_site_sku"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    price_minor: int
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    in_stock: bool = Field(default=True, index=True)
    popularity: float = 0.0
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )

    @property
    def price(self) -> float:
        """Price in major units."""
        return to_major(self.price_minor, self.currency)


class Listed(Protocol):
    """What showing and ranking read of a product: a stored Product, or a catalog index's ProductView."""

    @property
    def sku(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def image(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def categories(self) -> list[str]: ...
    @property
    def rating(self) -> float | None: ...
    @property
    def popularity(self) -> float: ...
    @property
    def price(self) -> float: ...


class ProductPublic(SQLModel):
    """What the widget may see of a product."""

    sku: str
    title: str
    url: str
    image: str
    price: float
    currency: str
    categories: list[str]
    rating: float | None

    @classmethod
    def of(cls, product: Listed) -> ProductPublic:
        """The public shape of `product`."""
        return cls(
            sku=product.sku,
            title=product.title,
            url=product.url,
            image=product.image,
            price=product.price,
            currency=product.currency,
            categories=product.categories,
            rating=product.rating,
        )
