"""The catalog's domain events (source ``resale.catalog``); ids derived from the business key."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

from workflows.catalog.model import ListingStatus  # noqa: TC001 - pydantic reads it
from workflows.shared.events import DomainEvent
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from workflows.catalog.model import Listing


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

    @classmethod
    def of(cls, listing: Listing, changed: list[str]) -> ListingUpdated:
        """The event of one saved version (its id is the version's: retries repeat it)."""
        return cls(
            event_id=derived_id("ListingUpdated", listing.id, str(listing.version)),
            occurred_at=listing.updated_at,
            listing_id=listing.id,
            seller_id=listing.seller_id,
            version=listing.version,
            changed=changed,
            status=listing.status,
            quantity=listing.quantity,
        )


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
