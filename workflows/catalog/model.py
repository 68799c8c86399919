"""Catalog entities: categories (a tree with item specifics and allowed conditions) and listings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal

    from workflows.shared.money import Money

MAX_IMAGES = 12
MAX_QUANTITY = 10_000


class Condition(StrEnum):
    NEW = "new"
    USED_LIKE_NEW = "used_like_new"
    USED_GOOD = "used_good"
    USED_ACCEPTABLE = "used_acceptable"
    FOR_PARTS = "for_parts"


class ListingStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    SOLD_OUT = "sold_out"


class ListingFormat(StrEnum):
    FIXED_PRICE = "fixed_price"
    AUCTION = "auction"


@dataclass(frozen=True)
class ItemSpecificSpec:
    """One item specific a category asks for; ``allowed_values`` empty = free text."""

    name: str
    required: bool = False
    allowed_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    slug: str
    parent_id: str | None
    #: ids from the root down to this category itself (ancestry, for descendant filtering)
    path: tuple[str, ...]
    item_specifics: tuple[ItemSpecificSpec, ...] = ()
    conditions: tuple[Condition, ...] = tuple(Condition)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ItemSpecific:
    name: str
    value: str


@dataclass(frozen=True)
class ShippingOption:
    service: str
    price: Money
    estimated_days: int


@dataclass(frozen=True)
class Image:
    image_id: str
    key: str
    content_type: str
    size: int


@dataclass(frozen=True)
class PendingImage:
    """An upload URL was handed out; the image appears once the object exists (confirm)."""

    image_id: str
    key: str
    content_type: str
    size: int
    expires_at: datetime


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime

    def contains(self, at: datetime) -> bool:
        """Half-open: in effect from ``starts_at`` up to, not including, ``ends_at``."""
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class Promotion:
    """Promoted listings: the seller pays ``ad_rate_percent`` of the sale, charged at sale."""

    ad_rate_percent: Decimal
    window: Window

    def active(self, at: datetime) -> bool:
        return self.window.contains(at)


@dataclass(frozen=True)
class Deal:
    deal_id: str
    discount_percent: Decimal
    priority: int
    window: Window

    def active(self, at: datetime) -> bool:
        return self.window.contains(at)


@dataclass(frozen=True)
class AuctionTerms:
    """An auction listing's terms (its bids and current price live with the auction, not here).

    ``price`` of an auction listing is its starting price; ``ends_at`` is fixed at creation.
    """

    starting_price: Money
    reserve_price: Money | None
    buy_it_now_price: Money | None
    duration_days: int
    ends_at: datetime


@dataclass(frozen=True)
class AuctionSummary:
    """What a listing shows of its auction now (read from the auction, never the reserve)."""

    current_price: Money
    minimum_bid: Money
    bid_count: int
    #: None when the auction has no reserve
    reserve_met: bool | None
    buy_it_now_available: bool
    open: bool


@dataclass(frozen=True)
class BestOfferTerms:
    """Best Offer on a fixed-price listing: buyers may offer less. Offers at or above
    ``auto_accept_at`` are accepted at once, offers below ``auto_decline_below`` declined at once;
    both thresholds are the seller's secret (never shown to buyers)."""

    auto_accept_at: Money | None = None
    auto_decline_below: Money | None = None


@dataclass(frozen=True)
class SellerRating:
    """The seller's feedback score and percent positive (None: no positive or negative yet), as
    the feedback capability projects them onto the seller's listings when the profile changes."""

    score: int
    percent_positive: float | None


@dataclass(frozen=True)
class Listing:
    id: str
    seller_id: str
    title: str
    description: str
    category_id: str
    category_path: tuple[str, ...]
    condition: Condition
    item_specifics: tuple[ItemSpecific, ...]
    price: Money
    quantity: int
    shipping_options: tuple[ShippingOption, ...]
    format: ListingFormat
    status: ListingStatus
    created_at: datetime
    updated_at: datetime
    version: int = 1
    images: tuple[Image, ...] = ()
    pending_images: tuple[PendingImage, ...] = ()
    promotion: Promotion | None = None
    deal: Deal | None = None
    ended_at: datetime | None = None
    #: hash of the create request that made it (an Idempotency-Key replay must match it)
    request_hash: str | None = None
    #: the terms of an auction listing (``format`` auction); None for a fixed price
    auction: AuctionTerms | None = None
    #: Best Offer, when the seller of a fixed-price listing enabled it (None: offers not taken)
    best_offer: BestOfferTerms | None = None
    #: the seller's feedback figures, projected onto the listing by the feedback capability
    seller_rating: SellerRating | None = None

    def effective_price(self, at: datetime) -> Money:
        """What a buyer pays at ``at``: the price, less an active deal's discount (half up)."""
        if self.deal is not None and self.deal.active(at):
            return self.price - self.price.percent(self.deal.discount_percent)
        return self.price

    def sponsored(self, at: datetime) -> bool:
        return self.promotion is not None and self.promotion.active(at)

    def changed(self, at: datetime, **changes: object) -> Listing:
        return replace(self, updated_at=at, version=self.version + 1, **changes)  # type: ignore[arg-type]
