"""What the catalog answers: response models (the OpenAPI document is generated from them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from workflows.catalog.model import Condition, ListingFormat, ListingStatus  # noqa: TC001 - pydantic reads them
from workflows.shared.views import MoneyView, Timestamp, View

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.catalog.model import AuctionSummary, AuctionTerms, Category, Listing
    from workflows.catalog.ports import ImageStore


class ItemSpecificSpecView(View):
    name: str
    required: bool
    allowed_values: list[str]


class CategoryView(View):
    id: str
    name: str
    slug: str
    parent_id: str | None
    item_specifics: list[ItemSpecificSpecView]
    conditions: list[str]
    children: list[CategoryView] = []  # noqa: RUF012 - a pydantic field: each view gets its own copy

    @classmethod
    def of(cls, category: Category, children: list[CategoryView] | None = None) -> CategoryView:
        return cls(
            id=category.id,
            name=category.name,
            slug=category.slug,
            parent_id=category.parent_id,
            item_specifics=[
                ItemSpecificSpecView(name=s.name, required=s.required, allowed_values=list(s.allowed_values))
                for s in category.item_specifics
            ],
            conditions=[c.value for c in category.conditions],
            children=children or [],
        )


class CategoryTree(View):
    items: list[CategoryView]


class ItemSpecificView(View):
    name: str
    value: str


class ShippingOptionView(View):
    service: str
    price: MoneyView
    estimated_days: int


class ImageView(View):
    image_id: str
    position: int
    url: str
    content_type: str


class DealView(View):
    discount_percent: str
    priority: int
    starts_at: Timestamp
    ends_at: Timestamp
    active: bool


class PromotionView(View):
    ad_rate_percent: str
    starts_at: Timestamp
    ends_at: Timestamp
    active: bool


class ListingAuctionView(View):
    """An auction listing's bidding now: never the reserve itself, only whether it is met."""

    current_price: MoneyView
    #: the least maximum a new bidder may bid now
    minimum_bid: MoneyView
    bid_count: int
    ends_at: Timestamp
    time_left_s: int
    duration_days: int
    #: None when the auction has no reserve
    reserve_met: bool | None
    #: while Buy It Now is available (it goes with the first bid, or once the reserve is met)
    buy_it_now_price: MoneyView | None
    status: Literal["open", "ended"]

    @classmethod
    def of(cls, terms: AuctionTerms, summary: AuctionSummary | None, at: datetime) -> ListingAuctionView:
        open_now = (summary.open if summary is not None else True) and at < terms.ends_at
        start = terms.starting_price
        bin_price = terms.buy_it_now_price
        if summary is not None and not summary.buy_it_now_available:
            bin_price = None
        reserve_met = summary.reserve_met if summary is not None else None
        if reserve_met is None and terms.reserve_price is not None:
            reserve_met = False
        return cls(
            current_price=MoneyView.of(summary.current_price if summary else start),
            minimum_bid=MoneyView.of(summary.minimum_bid if summary else start),
            bid_count=summary.bid_count if summary else 0,
            ends_at=terms.ends_at,
            time_left_s=max(0, int((terms.ends_at - at).total_seconds())) if open_now else 0,
            duration_days=terms.duration_days,
            reserve_met=reserve_met,
            buy_it_now_price=MoneyView.of(bin_price) if bin_price is not None and open_now else None,
            status="open" if open_now else "ended",
        )


class BestOfferView(View):
    """A listing's Best Offer thresholds, shown to its seller only."""

    auto_accept_at: MoneyView | None
    auto_decline_below: MoneyView | None


class SellerRatingView(View):
    """What a listing or a search result shows of its seller's feedback (``GET /sellers/{id}/profile``
    has the rest)."""

    score: int
    percent_positive: float | None = None


class ListingView(View):
    id: str
    seller_id: str
    title: str
    description: str
    category_id: str
    condition: Condition
    item_specifics: list[ItemSpecificView]
    price: MoneyView
    #: what a buyer pays now: the price less an active deal's discount
    effective_price: MoneyView
    quantity: int
    shipping_options: list[ShippingOptionView]
    format: ListingFormat
    status: ListingStatus
    images: list[ImageView]
    sponsored: bool
    deal: DealView | None
    #: the promotion's terms, shown to the listing's seller only
    promotion: PromotionView | None = None
    created_at: Timestamp
    updated_at: Timestamp
    ended_at: Timestamp | None = None
    version: int
    #: an auction listing's bidding (format auction); None for a fixed price
    auction: ListingAuctionView | None = None
    #: buyers may make offers (POST /listings/{id}/offers)
    best_offer_enabled: bool = False
    #: the Best Offer thresholds, shown to the listing's seller only
    best_offer: BestOfferView | None = None
    #: the seller's feedback score and percent positive (None until the seller has a profile)
    seller_rating: SellerRatingView | None = None

    @classmethod
    def of(
        cls,
        listing: Listing,
        at: datetime,
        images: ImageStore | None = None,
        *,
        owner: bool = False,
        auction: AuctionSummary | None = None,
    ) -> ListingView:
        deal = listing.deal
        promotion = listing.promotion
        return cls(
            id=listing.id,
            seller_id=listing.seller_id,
            title=listing.title,
            description=listing.description,
            category_id=listing.category_id,
            condition=listing.condition,
            item_specifics=[ItemSpecificView(name=s.name, value=s.value) for s in listing.item_specifics],
            price=MoneyView.of(listing.price),
            effective_price=MoneyView.of(listing.effective_price(at)),
            quantity=listing.quantity,
            shipping_options=[
                ShippingOptionView(
                    service=o.service, price=MoneyView.of(o.price), estimated_days=o.estimated_days
                )
                for o in listing.shipping_options
            ],
            format=listing.format,
            status=listing.status,
            images=[
                ImageView(
                    image_id=image.image_id,
                    position=position,
                    url=images.url(image.key) if images is not None else "",
                    content_type=image.content_type,
                )
                for position, image in enumerate(listing.images, start=1)
            ],
            sponsored=listing.sponsored(at),
            deal=None
            if deal is None
            else DealView(
                discount_percent=str(deal.discount_percent),
                priority=deal.priority,
                starts_at=deal.window.starts_at,
                ends_at=deal.window.ends_at,
                active=deal.active(at),
            ),
            promotion=None
            if promotion is None or not owner
            else PromotionView(
                ad_rate_percent=str(promotion.ad_rate_percent),
                starts_at=promotion.window.starts_at,
                ends_at=promotion.window.ends_at,
                active=promotion.active(at),
            ),
            created_at=listing.created_at,
            updated_at=listing.updated_at,
            ended_at=listing.ended_at,
            version=listing.version,
            auction=None if listing.auction is None else ListingAuctionView.of(listing.auction, auction, at),
            best_offer_enabled=listing.best_offer is not None,
            best_offer=None
            if listing.best_offer is None or not owner
            else BestOfferView(
                auto_accept_at=MoneyView.of(listing.best_offer.auto_accept_at)
                if listing.best_offer.auto_accept_at
                else None,
                auto_decline_below=MoneyView.of(listing.best_offer.auto_decline_below)
                if listing.best_offer.auto_decline_below
                else None,
            ),
            seller_rating=None
            if listing.seller_rating is None
            else SellerRatingView(
                score=listing.seller_rating.score, percent_positive=listing.seller_rating.percent_positive
            ),
        )


class CategoryCount(View):
    category_id: str
    count: int


class ConditionCount(View):
    condition: str
    count: int


class FacetsView(View):
    categories: list[CategoryCount]
    conditions: list[ConditionCount]


class SearchResults(View):
    items: list[ListingView]
    next_cursor: str | None
    #: counts over the whole filtered result set; on the first page only (no cursor)
    facets: FacetsView | None = None


class ListingPage(View):
    items: list[ListingView]
    next_cursor: str | None


class UploadForm(View):
    url: str
    method: str
    fields: dict[str, str]


class ImageUploadView(View):
    image_id: str
    upload: UploadForm
    expires_at: Timestamp
    confirm_path: str


class WatchView(View):
    listing_id: str
    added_at: Timestamp
    title: str | None
    price: MoneyView | None
    effective_price: MoneyView | None
    #: the listing's status, or removed when the listing is gone
    status: Literal["active", "ended", "sold_out", "removed"]


class WatchPage(View):
    items: list[WatchView]
    next_cursor: str | None


class SavedSearchView(View):
    search_id: str
    name: str
    query: dict[str, object]
    created_at: Timestamp
    last_notified_on: str | None


class SavedSearchPage(View):
    items: list[SavedSearchView]
    next_cursor: str | None
