"""The catalog's domain events (source ``resale.catalog``); ids derived from the business key."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from workflows.catalog.model import ListingStatus  # noqa: TC001 - pydantic reads it
from workflows.shared.events import DomainEvent


class PriceModel(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: int
    currency: str


class CatalogEvent(DomainEvent):
    source: ClassVar[str] = "resale.catalog"

    listing_id: str
    seller_id: str
    version: int


class ListingCreated(CatalogEvent):
    title: str
    category_id: str
    category_path: list[str]
    condition: str
    price: PriceModel
    quantity: int
    #: ``fixed_price`` or ``auction`` (an auction's price is its starting price)
    format: str = "fixed_price"


class ListingUpdated(CatalogEvent):
    changed: list[str]
    status: ListingStatus
    quantity: int


class ListingPriceChanged(CatalogEvent):
    title: str
    old_price: PriceModel
    new_price: PriceModel

    @property
    def dropped(self) -> bool:
        return (
            self.new_price.currency == self.old_price.currency
            and self.new_price.amount < self.old_price.amount
        )


class ListingEnded(CatalogEvent):
    reason: str
