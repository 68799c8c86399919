"""The catalog in MongoDB: categories and listings (repositories), the source of truth.

Document shapes (ids are strings; money is ``{"amount_minor": Int64, "currency"}``):

- ``categories``: ``_id``, ``name``, ``slug`` (unique), ``parent_id``, ``path`` (ids root → self),
  ``item_specifics`` ``[{name, required, allowed_values}]``, ``conditions``, timestamps.
- ``listings``: the listing's fields (``item_specifics`` as ``[{name, value}]``, ``category_path``
  the category's ancestry), ``promotion`` and ``deal`` embedded, ``version`` for optimistic
  concurrency (every change of the listing bumps it, and the search read model keeps the newest
  version it read; ``seller_rating``, the seller's figures written by feedback, does not, and
  search does not read it).

Search, browse, facets and the deals list are answered by the search read model in PostgreSQL
(``adapters/postgres/catalog_search.py``), projected from these documents; a result page's
listings are read here by id (:meth:`MongoListings.get_many`).

Updates replace the whole document under a version check: no positional ``$`` updates and no
``arrayFilters`` (the stand-in ignores them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from pymongo.errors import AutoReconnect, DuplicateKeyError, NetworkTimeout, ServerSelectionTimeoutError

from workflows.catalog.errors import CategoryExists, ConcurrentUpdate
from workflows.catalog.model import (
    AuctionTerms,
    BestOfferTerms,
    Category,
    Condition,
    Deal,
    Image,
    ItemSpecific,
    ItemSpecificSpec,
    Listing,
    ListingFormat,
    ListingStatus,
    PendingImage,
    Promotion,
    SellerRating,
    ShippingOption,
    Window,
)
from workflows.shared.errors import TransientError
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from pymongo.collection import Collection
    from pymongo.database import Database

Doc = dict[str, Any]

TRANSIENT = (AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError)


# ---------------------------------------------------------------------------- mapping


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _at(value: Any) -> datetime:
    moment = _utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))
    assert moment is not None
    return moment


def _money_doc(money: Money) -> Doc:
    return {"amount_minor": Int64(money.amount_minor), "currency": money.currency}


def _money(doc: Doc) -> Money:
    return Money(int(doc["amount_minor"]), str(doc["currency"]))


def category_doc(category: Category) -> Doc:
    return {
        "_id": category.id,
        "name": category.name,
        "slug": category.slug,
        "parent_id": category.parent_id,
        "path": list(category.path),
        "item_specifics": [
            {"name": s.name, "required": s.required, "allowed_values": list(s.allowed_values)}
            for s in category.item_specifics
        ],
        "conditions": [c.value for c in category.conditions],
        "created_at": category.created_at,
        "updated_at": category.updated_at,
    }


def category_from(doc: Doc) -> Category:
    return Category(
        id=str(doc["_id"]),
        name=doc["name"],
        slug=doc["slug"],
        parent_id=doc.get("parent_id"),
        path=tuple(doc.get("path") or (doc["_id"],)),
        item_specifics=tuple(
            ItemSpecificSpec(s["name"], bool(s.get("required")), tuple(s.get("allowed_values") or ()))
            for s in doc.get("item_specifics") or ()
        ),
        conditions=tuple(Condition(c) for c in doc.get("conditions") or ()),
        created_at=_utc(doc.get("created_at")),
        updated_at=_utc(doc.get("updated_at")),
    )


def _window_doc(window: Window) -> Doc:
    return {"starts_at": window.starts_at.astimezone(UTC), "ends_at": window.ends_at.astimezone(UTC)}


def _window(doc: Doc) -> Window:
    return Window(_at(doc["starts_at"]), _at(doc["ends_at"]))


#: the fields of a listing document that belong to its stock, not to the listing itself
STOCK_FIELDS: Doc = {"_id": 0, "holds": 1, "restocks": 1}
#: what a save keeps of the document besides the stock: the seller's feedback figures, which the
#: feedback capability projects onto the listing (``adapters/mongo/seller_ratings.py``)
KEPT_FIELDS: Doc = {**STOCK_FIELDS, "seller_rating": 1}


def listing_doc(listing: Listing) -> Doc:
    return {
        "_id": listing.id,
        "seller_id": listing.seller_id,
        "title": listing.title,
        "description": listing.description,
        "category_id": listing.category_id,
        "category_path": list(listing.category_path),
        "condition": listing.condition.value,
        "item_specifics": [{"name": s.name, "value": s.value} for s in listing.item_specifics],
        "price": _money_doc(listing.price),
        "quantity": listing.quantity,
        "shipping_options": [
            {"service": o.service, "price": _money_doc(o.price), "estimated_days": o.estimated_days}
            for o in listing.shipping_options
        ],
        "format": listing.format.value,
        "status": listing.status.value,
        "images": [
            {"image_id": i.image_id, "key": i.key, "content_type": i.content_type, "size": i.size}
            for i in listing.images
        ],
        "pending_images": [
            {
                "image_id": p.image_id,
                "key": p.key,
                "content_type": p.content_type,
                "size": p.size,
                "expires_at": p.expires_at.astimezone(UTC),
            }
            for p in listing.pending_images
        ],
        "promotion": None
        if listing.promotion is None
        else {
            "ad_rate_percent": str(listing.promotion.ad_rate_percent),
            **_window_doc(listing.promotion.window),
        },
        "deal": None
        if listing.deal is None
        else {
            "deal_id": listing.deal.deal_id,
            "discount_percent": str(listing.deal.discount_percent),
            "priority": listing.deal.priority,
            **_window_doc(listing.deal.window),
        },
        "created_at": listing.created_at.astimezone(UTC),
        "updated_at": listing.updated_at.astimezone(UTC),
        "ended_at": listing.ended_at.astimezone(UTC) if listing.ended_at else None,
        "version": listing.version,
        "request_hash": listing.request_hash,
        "auction": _auction_doc(listing.auction),
        "best_offer": _best_offer_doc(listing.best_offer),
    }


def _auction_doc(terms: AuctionTerms | None) -> Doc | None:
    if terms is None:
        return None
    return {
        "starting_price": _money_doc(terms.starting_price),
        "reserve_price": _money_doc(terms.reserve_price) if terms.reserve_price else None,
        "buy_it_now_price": _money_doc(terms.buy_it_now_price) if terms.buy_it_now_price else None,
        "duration_days": terms.duration_days,
        "ends_at": terms.ends_at.astimezone(UTC),
    }


def _auction(doc: Doc | None) -> AuctionTerms | None:
    if not doc:
        return None
    return AuctionTerms(
        starting_price=_money(doc["starting_price"]),
        reserve_price=_money(doc["reserve_price"]) if doc.get("reserve_price") else None,
        buy_it_now_price=_money(doc["buy_it_now_price"]) if doc.get("buy_it_now_price") else None,
        duration_days=int(doc["duration_days"]),
        ends_at=_at(doc["ends_at"]),
    )


def _best_offer_doc(terms: BestOfferTerms | None) -> Doc | None:
    if terms is None:
        return None
    return {
        "auto_accept_at": _money_doc(terms.auto_accept_at) if terms.auto_accept_at else None,
        "auto_decline_below": _money_doc(terms.auto_decline_below) if terms.auto_decline_below else None,
    }


def _best_offer(doc: Doc | None) -> BestOfferTerms | None:
    if doc is None:
        return None
    return BestOfferTerms(
        auto_accept_at=_money(doc["auto_accept_at"]) if doc.get("auto_accept_at") else None,
        auto_decline_below=_money(doc["auto_decline_below"]) if doc.get("auto_decline_below") else None,
    )


def _seller_rating(doc: Doc | None) -> SellerRating | None:
    if not doc:
        return None
    percent = doc.get("percent_positive")
    return SellerRating(score=int(doc["score"]), percent_positive=None if percent is None else float(percent))


def listing_from(doc: Doc) -> Listing:
    promotion = doc.get("promotion")
    deal = doc.get("deal")
    return Listing(
        id=str(doc["_id"]),
        seller_id=doc["seller_id"],
        title=doc["title"],
        description=doc.get("description", ""),
        category_id=doc["category_id"],
        category_path=tuple(doc.get("category_path") or (doc["category_id"],)),
        condition=Condition(doc["condition"]),
        item_specifics=tuple(ItemSpecific(s["name"], s["value"]) for s in doc.get("item_specifics") or ()),
        price=_money(doc["price"]),
        quantity=int(doc["quantity"]),
        shipping_options=tuple(
            ShippingOption(o["service"], _money(o["price"]), int(o["estimated_days"]))
            for o in doc.get("shipping_options") or ()
        ),
        # documents written before the API's values were lowercase hold "FIXED_PRICE"
        format=ListingFormat(str(doc.get("format", ListingFormat.FIXED_PRICE.value)).lower()),
        status=ListingStatus(doc["status"]),
        images=tuple(
            Image(i["image_id"], i["key"], i["content_type"], int(i["size"])) for i in doc.get("images") or ()
        ),
        pending_images=tuple(
            PendingImage(p["image_id"], p["key"], p["content_type"], int(p["size"]), _at(p["expires_at"]))
            for p in doc.get("pending_images") or ()
        ),
        promotion=None
        if not promotion
        else Promotion(Decimal(promotion["ad_rate_percent"]), _window(promotion)),
        deal=None
        if not deal
        else Deal(deal["deal_id"], Decimal(deal["discount_percent"]), int(deal["priority"]), _window(deal)),
        created_at=_at(doc["created_at"]),
        updated_at=_at(doc["updated_at"]),
        ended_at=_utc(doc.get("ended_at")),
        version=int(doc.get("version", 1)),
        request_hash=doc.get("request_hash"),
        auction=_auction(doc.get("auction")),
        best_offer=_best_offer(doc.get("best_offer")),
        seller_rating=_seller_rating(doc.get("seller_rating")),
    )


# ---------------------------------------------------------------------------- repositories


class MongoCategories:
    """Implements ``workflows.catalog.ports.Categories``."""

    def __init__(self, db: Database[Doc]) -> None:
        self._collection: Collection[Doc] = db["categories"]

    def get(self, category_id: str) -> Category | None:
        doc = self._collection.find_one({"_id": category_id})
        return category_from(doc) if doc else None

    def all(self) -> list[Category]:
        return [category_from(d) for d in self._collection.find({})]

    def add(self, category: Category) -> None:
        if self._collection.find_one({"slug": category.slug}, {"_id": 1}) is not None:
            raise CategoryExists(f"A category with the slug {category.slug!r} exists already.")
        try:
            self._collection.insert_one(category_doc(category))
        except DuplicateKeyError as exc:
            raise CategoryExists(f"A category with the slug {category.slug!r} exists already.") from exc

    def save(self, category: Category) -> None:
        self._collection.replace_one({"_id": category.id}, category_doc(category))

    def delete(self, category_id: str) -> None:
        self._collection.delete_one({"_id": category_id})


class MongoListings:
    """Implements ``workflows.catalog.ports.Listings``."""

    def __init__(self, db: Database[Doc]) -> None:
        self._collection: Collection[Doc] = db["listings"]

    # -- reads and writes

    def get(self, listing_id: str) -> Listing | None:
        doc = self._collection.find_one({"_id": listing_id})
        return listing_from(doc) if doc else None

    def get_many(self, listing_ids: Iterable[str]) -> list[Listing]:
        ids = list(dict.fromkeys(listing_ids))
        if not ids:
            return []
        found = {d["_id"]: listing_from(d) for d in self._collection.find({"_id": {"$in": ids}})}
        return [found[i] for i in ids if i in found]

    def add(self, listing: Listing) -> bool:
        try:
            self._collection.insert_one(listing_doc(listing))
        except DuplicateKeyError:
            return False
        except TRANSIENT as exc:
            raise TransientError(f"listing {listing.id} not stored: {exc}") from exc
        return True

    def add_many(self, listings: Iterable[Listing]) -> int:
        """Bulk insert (seeding, benchmarks); returns how many were written."""
        docs = [listing_doc(x) for x in listings]
        if not docs:
            return 0
        return len(self._collection.insert_many(docs, ordered=False).inserted_ids)

    def save(self, listing: Listing, *, expected_version: int) -> None:
        try:
            # stock holds and restock marks (adapters/mongo/stock.py) live on the document too:
            # kept as they are (any change to them bumps the version, and then nothing matches)
            kept = self._collection.find_one({"_id": listing.id}, KEPT_FIELDS) or {}
            result = self._collection.replace_one(
                {"_id": listing.id, "version": expected_version}, listing_doc(listing) | kept
            )
        except TRANSIENT as exc:
            raise TransientError(f"listing {listing.id} not stored: {exc}") from exc
        if result.matched_count != 1:
            raise ConcurrentUpdate("The listing was changed by another request; read it again and retry.")

    def count_in_category(self, category_id: str) -> int:
        found = self._collection.find_one({"category_path": category_id}, {"_id": 1})
        return 1 if found is not None else 0

    def every(self) -> Iterator[Listing]:
        for doc in self._collection.find({}):
            yield listing_from(doc)
