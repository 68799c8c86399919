"""The catalog's use cases: one method per API operation, each taking the verified caller.

Writes are read-modify-write with a version check (no positional updates: the local Mongo
stand-in ignores them); events are published after the write succeeded, with ids derived from
the listing and its version, so a retried request announces the same event again, not another.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from workflows.catalog.commands import BestOfferIn, MoneyIn
from workflows.catalog.errors import (
    CategoryInUse,
    CategoryNotFound,
    CurrencyNotSupported,
    ImageNotFound,
    ImageNotUploaded,
    InvalidCategory,
    InvalidListing,
    ListingIsAuction,
    ListingNotActive,
    ListingNotFound,
    NotOwner,
    TooManyImages,
    UnsupportedImage,
)
from workflows.catalog.events import (
    ListingCreated,
    ListingEnded,
    ListingPriceChanged,
    ListingUpdated,
    PriceModel,
)
from workflows.catalog.model import (
    MAX_IMAGES,
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
    ShippingOption,
    Window,
)
from workflows.catalog.search import SearchQuery, Sort, decode_cursor, encode_cursor
from workflows.catalog.views import (
    CategoryCount,
    CategoryTree,
    CategoryView,
    ConditionCount,
    FacetsView,
    ImageUploadView,
    ListingPage,
    ListingView,
    SearchResults,
    UploadForm,
)
from workflows.onboarding.errors import SellerRestricted
from workflows.shared.errors import IdempotencyKeyReused
from workflows.shared.ids import derived_id, new_id

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from workflows.catalog.commands import (
        CreateCategory,
        CreateDeal,
        CreateListing,
        ItemSpecificIn,
        ItemSpecificSpecIn,
        PromoteListing,
        RequestImageUpload,
        ShippingOptionIn,
        UpdateCategory,
        UpdateListing,
    )
    from workflows.catalog.ports import (
        AuctionSummaries,
        Categories,
        ImageStore,
        Listings,
        ListingSearch,
        SettledCurrencies,
    )
    from workflows.onboarding.ports import SellerStandings
    from workflows.shared.clock import Clock
    from workflows.shared.events import DomainEvent, EventPublisher
    from workflows.shared.identity import Caller
    from workflows.shared.money import Money

#: what an image may be, and its extension in the bucket
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_IMAGE_BYTES = 12 * 1024 * 1024
UPLOAD_EXPIRES_S = 15 * 60


def _price(money: Money) -> PriceModel:
    return PriceModel(amount=money.amount_minor, currency=money.currency)


def request_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Catalog:
    categories: Categories
    listings: Listings
    events: EventPublisher
    clock: Clock
    currencies: SettledCurrencies
    images: ImageStore | None = None
    new_id: Callable[[], str] = new_id
    #: who may not sell now (Stripe restricted their account); None: nobody is restricted
    sellers: SellerStandings | None = None
    #: the bidding of auction listings, shown on them; None: shown from their terms alone
    auctions: AuctionSummaries | None = None
    #: the search read model, made on the first search (a function that never searches needs no
    #: connection to it); None: ``listings`` answers searches itself (an in-memory store)
    index: Callable[[], ListingSearch] | None = None

    # ------------------------------------------------------------------ categories

    def category_tree(self) -> CategoryTree:
        everything = sorted(self.categories.all(), key=lambda c: (c.name.lower(), c.id))
        children: dict[str | None, list[Category]] = {}
        for category in everything:
            children.setdefault(category.parent_id, []).append(category)

        def build(category: Category) -> CategoryView:
            return CategoryView.of(category, [build(c) for c in children.get(category.id, [])])

        return CategoryTree(items=[build(c) for c in children.get(None, [])])

    def create_category(self, caller: Caller, command: CreateCategory) -> CategoryView:
        caller.require("admin")
        path: tuple[str, ...] = ()
        if command.parent_id is not None:
            parent = self.categories.get(command.parent_id)
            if parent is None:
                raise CategoryNotFound(f"There is no parent category {command.parent_id!r}.")
            path = parent.path
        now = self.clock.now()
        category_id = derived_id("category", command.slug)
        category = Category(
            id=category_id,
            name=command.name,
            slug=command.slug,
            parent_id=command.parent_id,
            path=(*path, category_id),
            item_specifics=_specs(command.item_specifics),
            conditions=_conditions(command.conditions),
            created_at=now,
            updated_at=now,
        )
        self.categories.add(category)
        return CategoryView.of(category)

    def update_category(self, caller: Caller, category_id: str, command: UpdateCategory) -> CategoryView:
        caller.require("admin")
        category = self._category(category_id)
        changes: dict[str, Any] = {"updated_at": self.clock.now()}
        if command.name is not None:
            changes["name"] = command.name
        if command.item_specifics is not None:
            changes["item_specifics"] = _specs(command.item_specifics)
        if command.conditions is not None:
            changes["conditions"] = _conditions(command.conditions)
        updated = replace(category, **changes)
        self.categories.save(updated)
        return CategoryView.of(updated)

    def delete_category(self, caller: Caller, category_id: str) -> None:
        caller.require("admin")
        self._category(category_id)
        if any(c.parent_id == category_id for c in self.categories.all()):
            raise CategoryInUse("This category has subcategories; delete or move them first.")
        if self.listings.count_in_category(category_id):
            raise CategoryInUse("This category has listings; it cannot be deleted.")
        self.categories.delete(category_id)

    def _category(self, category_id: str) -> Category:
        category = self.categories.get(category_id)
        if category is None:
            raise CategoryNotFound(f"There is no category {category_id!r}.")
        return category

    # ------------------------------------------------------------------ listings

    def create_listing(
        self, caller: Caller, command: CreateListing, idempotency_key: str | None = None
    ) -> ListingView:
        caller.require("seller")
        self._require_in_good_standing(caller.user_id)
        body_hash = request_hash(command.model_dump(mode="json"))
        if idempotency_key:
            listing_id = derived_id("listing", caller.user_id, idempotency_key)
            existing = self.listings.get(listing_id)
            if existing is not None:
                return self._replay(existing, body_hash)
        else:
            listing_id = self.new_id()
        category = self._category(command.category_id)
        price = command.listed_price()
        self._require_settled(price.currency)
        shipping = _shipping(command.shipping_options, price.currency)
        specifics = _item_specifics(command.item_specifics)
        _check_fits(category, command.condition, specifics, self.categories.all())
        now = self.clock.now()
        terms = _auction_terms(command, now)
        listing = Listing(
            id=listing_id,
            seller_id=caller.user_id,
            title=command.title,
            description=command.description,
            category_id=category.id,
            category_path=category.path,
            condition=command.condition,
            item_specifics=specifics,
            price=price,
            quantity=command.quantity,
            shipping_options=shipping,
            format=command.format,
            status=ListingStatus.ACTIVE,
            created_at=now,
            updated_at=now,
            request_hash=body_hash,
            auction=terms,
            best_offer=_best_offer(command.best_offer, price, command.format),
        )
        if not self.listings.add(listing):  # a concurrent retry with the same key won the race
            stored = self.listings.get(listing_id)
            if stored is None:
                raise ListingNotFound("The listing vanished while it was being created; try again.")
            return self._replay(stored, body_hash)
        self._publish(_created(listing))
        return self._view(listing, owner=True)

    def _replay(self, listing: Listing, body_hash: str) -> ListingView:
        if listing.request_hash != body_hash:
            raise IdempotencyKeyReused("This Idempotency-Key was used with a different request body.")
        self._publish(_created(listing))  # the first attempt may have failed before publishing
        return self._view(listing, owner=True)

    def get_listing(self, listing_id: str, caller_id: str | None = None) -> ListingView:
        listing = self._listing(listing_id)
        return self._view(listing, owner=caller_id == listing.seller_id)

    def update_listing(self, caller: Caller, listing_id: str, command: UpdateListing) -> ListingView:
        listing = self._owned(caller, listing_id)
        if listing.status == ListingStatus.ENDED:
            raise ListingNotActive("This listing has ended; it can no longer be changed.")
        if listing.auction is not None and (command.price is not None or command.quantity is not None):
            raise ListingIsAuction("An auction's price and quantity follow its terms and bids.")
        changes: dict[str, Any] = {}
        if command.title is not None:
            changes["title"] = command.title
        if command.description is not None:
            changes["description"] = command.description
        if command.condition is not None:
            changes["condition"] = command.condition
        if command.item_specifics is not None:
            changes["item_specifics"] = _item_specifics(command.item_specifics)
        price = command.price.money() if command.price is not None else listing.price
        if command.price is not None:
            self._require_settled(price.currency)
            changes["price"] = price
        if command.shipping_options is not None or "price" in changes:
            options = command.shipping_options
            changes["shipping_options"] = (
                _shipping(options, price.currency)
                if options is not None
                else _same_currency(listing.shipping_options, price.currency)
            )
        if command.quantity is not None:
            changes["quantity"] = command.quantity
            changes["status"] = ListingStatus.SOLD_OUT if command.quantity == 0 else ListingStatus.ACTIVE
        changes.update(_best_offer_change(listing, command.best_offer, price, repriced="price" in changes))
        changed = sorted(k for k in changes if getattr(listing, k) != changes[k])
        if not changed:
            return self._view(listing, owner=True)
        if {"condition", "item_specifics"} & set(changed):
            category = self._category(listing.category_id)
            _check_fits(
                category,
                changes.get("condition", listing.condition),
                changes.get("item_specifics", listing.item_specifics),
                None,
            )
        updated = listing.changed(self.clock.now(), **{k: changes[k] for k in changed})
        self.listings.save(updated, expected_version=listing.version)
        events: list[DomainEvent] = [ListingUpdated.of(updated, changed)]
        if "price" in changed:
            events.append(
                ListingPriceChanged(
                    event_id=derived_id("ListingPriceChanged", updated.id, str(updated.version)),
                    occurred_at=updated.updated_at,
                    listing_id=updated.id,
                    seller_id=updated.seller_id,
                    version=updated.version,
                    title=updated.title,
                    old_price=_price(listing.price),
                    new_price=_price(updated.price),
                )
            )
        self._publish(*events)
        return self._view(updated, owner=True)

    def end_listing(self, caller: Caller, listing_id: str) -> None:
        """End the listing: it leaves search; orders already placed go on. Ending twice is fine."""
        listing = self._owned(caller, listing_id)
        if listing.status == ListingStatus.ENDED:
            return
        if listing.auction is not None:
            raise ListingIsAuction(
                f"An auction ends at its end, or early by POST /listings/{listing.id}/end (with no bids, "
                "or cancelling them with a reason)."
            )
        now = self.clock.now()
        ended = listing.changed(now, status=ListingStatus.ENDED, ended_at=now)
        self.listings.save(ended, expected_version=listing.version)
        self._publish(
            ListingEnded(
                event_id=derived_id("ListingEnded", ended.id),
                occurred_at=now,
                listing_id=ended.id,
                seller_id=ended.seller_id,
                version=ended.version,
                reason="ended_by_seller",
            )
        )

    def _listing(self, listing_id: str) -> Listing:
        listing = self.listings.get(listing_id)
        if listing is None:
            raise ListingNotFound(f"There is no listing {listing_id!r}.")
        return listing

    def _owned(self, caller: Caller, listing_id: str) -> Listing:
        caller.require("seller")
        listing = self._listing(listing_id)
        if listing.seller_id != caller.user_id:
            raise NotOwner("Only the seller who listed this item can change it.")
        return listing

    def _require_in_good_standing(self, seller_id: str) -> None:
        if self.sellers is not None and seller_id in self.sellers.restricted([seller_id]):
            raise SellerRestricted(
                "Stripe has restricted your seller account, so you cannot list new items until you "
                "give what it requires: see GET /sellers/me (requirements_due) and "
                "POST /sellers/me/onboarding-link."
            )

    def _active_owned(self, caller: Caller, listing_id: str) -> Listing:
        listing = self._owned(caller, listing_id)
        if listing.status != ListingStatus.ACTIVE:
            raise ListingNotActive(f"This listing is {listing.status.value.replace('_', ' ')}.")
        return listing

    def _require_settled(self, currency: str) -> None:
        """A listing is priced in a currency its sale can be settled and charged fees in."""
        supported = self.currencies.settled()
        if currency not in supported:
            names = ", ".join(sorted(supported)) or "none at the moment"
            raise CurrencyNotSupported(
                f"Listings cannot be priced in {currency}; the currencies supported are {names}.",
                details={"currency": currency, "supported": sorted(supported)},
            )

    def _view(self, listing: Listing, *, owner: bool = False) -> ListingView:
        summary = None
        if listing.auction is not None and self.auctions is not None:
            summary = self.auctions.summaries([listing]).get(listing.id)
        return ListingView.of(listing, self.clock.now(), self.images, owner=owner, auction=summary)

    def _publish(self, *events: DomainEvent) -> None:
        self.events.publish(*events)

    # ------------------------------------------------------------------ images

    def request_image_upload(
        self, caller: Caller, listing_id: str, command: RequestImageUpload
    ) -> ImageUploadView:
        store = self._image_store()
        listing = self._active_owned(caller, listing_id)
        extension = IMAGE_TYPES.get(command.content_type.lower())
        if extension is None:
            raise UnsupportedImage(
                f"Images must be JPEG, PNG or WebP; {command.content_type!r} is not accepted.",
                details={"allowed": sorted(IMAGE_TYPES)},
            )
        if command.size > MAX_IMAGE_BYTES:
            raise UnsupportedImage(
                f"An image may be at most {MAX_IMAGE_BYTES} bytes.", details={"max_size": MAX_IMAGE_BYTES}
            )
        if len(listing.images) >= MAX_IMAGES:
            raise TooManyImages(f"A listing has at most {MAX_IMAGES} images.")
        now = self.clock.now()
        image_id = self.new_id()
        key = f"listings/{listing.id}/{image_id}.{extension}"
        ticket = store.upload_ticket(key, command.content_type.lower(), command.size, UPLOAD_EXPIRES_S)
        pending = PendingImage(
            image_id=image_id,
            key=key,
            content_type=command.content_type.lower(),
            size=command.size,
            expires_at=now + timedelta(seconds=UPLOAD_EXPIRES_S),
        )
        # forget pending uploads that can no longer happen
        keep = tuple(p for p in listing.pending_images if p.expires_at > now - timedelta(days=1))
        self.listings.save(
            replace(listing, pending_images=(*keep, pending), updated_at=now, version=listing.version + 1),
            expected_version=listing.version,
        )
        return ImageUploadView(
            image_id=image_id,
            upload=UploadForm(url=ticket.url, method=ticket.method, fields=ticket.fields),
            expires_at=ticket.expires_at,
            confirm_path=f"/listings/{listing.id}/images/{image_id}/confirm",
        )

    def confirm_image(self, caller: Caller, listing_id: str, image_id: str) -> ListingView:
        """The upload finished: the image joins the listing, after those already there."""
        store = self._image_store()
        listing = self._owned(caller, listing_id)
        if any(image.image_id == image_id for image in listing.images):
            return self._view(listing, owner=True)  # confirmed already
        pending = next((p for p in listing.pending_images if p.image_id == image_id), None)
        if pending is None:
            raise ImageNotFound(f"No upload {image_id!r} was requested for this listing.")
        stored = store.head(pending.key)
        if stored is None:
            raise ImageNotUploaded("The image has not been uploaded yet; upload it, then confirm.")
        if len(listing.images) >= MAX_IMAGES:
            raise TooManyImages(f"A listing has at most {MAX_IMAGES} images.")
        image = Image(image_id=image_id, key=pending.key, content_type=pending.content_type, size=stored.size)
        updated = listing.changed(
            self.clock.now(),
            images=(*listing.images, image),
            pending_images=tuple(p for p in listing.pending_images if p.image_id != image_id),
        )
        self.listings.save(updated, expected_version=listing.version)
        self._publish(ListingUpdated.of(updated, ["images"]))
        return self._view(updated, owner=True)

    def _image_store(self) -> ImageStore:
        if self.images is None:
            raise RuntimeError("the catalog was wired without an image store")
        return self.images

    # ------------------------------------------------------------------ promotions and deals

    def promote_listing(self, caller: Caller, listing_id: str, command: PromoteListing) -> ListingView:
        listing = self._active_owned(caller, listing_id)
        promotion = Promotion(
            ad_rate_percent=command.ad_rate_percent, window=Window(command.starts_at, command.ends_at)
        )
        return self._change(listing, "promotion", promotion)

    def create_deal(self, caller: Caller, listing_id: str, command: CreateDeal) -> ListingView:
        listing = self._active_owned(caller, listing_id)
        deal = Deal(
            deal_id=derived_id("deal", listing.id, command.starts_at.isoformat()),
            discount_percent=command.discount_percent,
            priority=command.priority,
            window=Window(command.starts_at, command.ends_at),
        )
        return self._change(listing, "deal", deal)

    def _change(self, listing: Listing, field: str, value: object) -> ListingView:
        updated = listing.changed(self.clock.now(), **{field: value})
        self.listings.save(updated, expected_version=listing.version)
        self._publish(ListingUpdated.of(updated, [field]))
        return self._view(updated, owner=True)

    def active_deals(self, limit: int, cursor: str | None) -> ListingPage:
        after: tuple[int, str] | None = None
        if cursor:
            key = decode_cursor(cursor, Sort.RELEVANCE)
            after = (int(key[0]), str(key[1]))
        now = self.clock.now()
        found = self._index().active_deals(now, limit + 1, after)
        page = found[:limit]
        next_cursor = None
        if len(found) > limit and page:
            last = page[-1]
            assert last.deal is not None
            next_cursor = encode_cursor(Sort.RELEVANCE, [last.deal.priority, last.id])
        return ListingPage(items=[self._view(x) for x in page], next_cursor=next_cursor)

    # ------------------------------------------------------------------ search

    def _index(self) -> ListingSearch:
        from workflows.catalog.ports import ListingSearch

        if self.index is not None:
            return self.index()
        if isinstance(self.listings, ListingSearch):
            return self.listings
        raise TypeError("no search read model is wired and the listings store cannot search")

    def search(self, query: SearchQuery) -> SearchResults:
        if query.category_id is not None:
            self._category(query.category_id)
        if query.cursor:
            decode_cursor(query.cursor, query.sort)  # refuse a foreign cursor before any I/O
        now = self.clock.now()
        page = self._index().search(query, now, facets=query.cursor is None)
        facets = None
        if page.facets is not None:
            facets = FacetsView(
                categories=[
                    CategoryCount(category_id=k, count=v)
                    for k, v in sorted(page.facets.categories.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
                conditions=[
                    ConditionCount(condition=k, count=v)
                    for k, v in sorted(page.facets.conditions.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
            )
        return SearchResults(
            items=[self._view(x) for x in page.listings], next_cursor=page.next_cursor, facets=facets
        )


# ---------------------------------------------------------------------- validation helpers


def _specs(items: list[ItemSpecificSpecIn]) -> tuple[ItemSpecificSpec, ...]:
    names = [s.name.lower() for s in items]
    if len(set(names)) != len(names):
        raise InvalidCategory("Item specific names must be unique within a category.")
    return tuple(ItemSpecificSpec(s.name, s.required, tuple(s.allowed_values)) for s in items)


def _conditions(items: list[Condition]) -> tuple[Condition, ...]:
    return tuple(c for c in Condition if c in set(items))


def _item_specifics(items: list[ItemSpecificIn]) -> tuple[ItemSpecific, ...]:
    names = [s.name.lower() for s in items]
    if len(set(names)) != len(names):
        raise InvalidListing(
            "Each item specific may be given once.",
            details={"fields": [{"field": "item_specifics", "problem": "duplicate name"}]},
        )
    return tuple(ItemSpecific(s.name, s.value) for s in items)


def _shipping(items: list[ShippingOptionIn], currency: str) -> tuple[ShippingOption, ...]:
    options = tuple(ShippingOption(o.service, o.price.money(), o.estimated_days) for o in items)
    return _same_currency(options, currency)


def _same_currency(options: tuple[ShippingOption, ...], currency: str) -> tuple[ShippingOption, ...]:
    wrong = [i for i, o in enumerate(options) if o.price.currency != currency]
    if wrong:
        raise InvalidListing(
            "Shipping is priced in the listing's currency.",
            details={
                "fields": [
                    {"field": f"shipping_options.{i}.price.currency", "problem": f"must be {currency}"}
                    for i in wrong
                ]
            },
        )
    return options


def _check_fits(
    category: Category,
    condition: Condition,
    specifics: tuple[ItemSpecific, ...],
    every_category: list[Category] | None,
) -> None:
    """The listing against its category: a leaf, an allowed condition, its item specifics."""
    problems: list[dict[str, str]] = []
    if every_category is not None and any(c.parent_id == category.id for c in every_category):
        problems.append(
            {"field": "category_id", "problem": "choose a leaf category (one without subcategories)"}
        )
    if condition not in category.conditions:
        allowed = ", ".join(c.value for c in category.conditions)
        problems.append(
            {"field": "condition", "problem": f"not allowed in this category (allowed: {allowed})"}
        )
    given = {s.name.lower(): s for s in specifics}
    for spec in category.item_specifics:
        value = given.get(spec.name.lower())
        if value is None:
            if spec.required:
                problems.append(
                    {"field": f"item_specifics.{spec.name}", "problem": "required in this category"}
                )
            continue
        if spec.allowed_values and value.value not in spec.allowed_values:
            problems.append(
                {
                    "field": f"item_specifics.{spec.name}",
                    "problem": f"{value.value!r} is not one of {', '.join(spec.allowed_values)}",
                }
            )
    if problems:
        raise InvalidListing(
            f"The listing does not fit the category {category.name!r}; see details.",
            details={"fields": problems},
        )


def _auction_terms(command: CreateListing, now: datetime) -> AuctionTerms | None:
    """An auction's terms, ending ``duration_days`` after it is listed."""
    terms = command.auction
    if terms is None:
        return None
    return AuctionTerms(
        starting_price=terms.starting_price.money(),
        reserve_price=terms.reserve_price.money() if terms.reserve_price else None,
        buy_it_now_price=terms.buy_it_now_price.money() if terms.buy_it_now_price else None,
        duration_days=terms.duration_days,
        ends_at=now + timedelta(days=terms.duration_days),
    )


def _created(listing: Listing) -> ListingCreated:
    return ListingCreated(
        event_id=derived_id("ListingCreated", listing.id),
        occurred_at=listing.created_at,
        listing_id=listing.id,
        seller_id=listing.seller_id,
        version=1,
        title=listing.title,
        category_id=listing.category_id,
        category_path=list(listing.category_path),
        condition=listing.condition.value,
        price=_price(listing.price),
        quantity=listing.quantity,
        format=listing.format.value,
    )


def _best_offer_change(
    listing: Listing, wanted: BestOfferIn | None, price: Money, *, repriced: bool
) -> dict[str, Any]:
    """The ``best_offer`` change of an update: as asked, or the same terms checked against a new price."""
    if wanted is None and not (repriced and listing.best_offer is not None):
        return {}
    return {"best_offer": _best_offer(wanted or _best_offer_in(listing), price, listing.format)}


def _best_offer_in(listing: Listing) -> BestOfferIn:
    """The listing's Best Offer as a command again (checked anew against a changed price)."""
    terms = listing.best_offer
    assert terms is not None

    def money(value: Money | None) -> MoneyIn | None:
        return None if value is None else MoneyIn(amount=value.amount_minor, currency=value.currency)

    return BestOfferIn(
        enabled=True,
        auto_accept_at=money(terms.auto_accept_at),
        auto_decline_below=money(terms.auto_decline_below),
    )


def _best_offer(
    wanted: BestOfferIn | None, price: Money, listing_format: ListingFormat
) -> BestOfferTerms | None:
    """Best Offer's terms for a listing at ``price``: fixed price only, thresholds in the price's
    currency and under the price (an offer at the price is a purchase, not an offer)."""
    if wanted is None or not wanted.enabled:
        return None
    if listing_format != ListingFormat.FIXED_PRICE:
        raise InvalidListing("Best Offer is for fixed-price listings only.")
    terms = BestOfferTerms(
        auto_accept_at=wanted.auto_accept_at.money() if wanted.auto_accept_at else None,
        auto_decline_below=wanted.auto_decline_below.money() if wanted.auto_decline_below else None,
    )
    thresholds = (("auto_accept_at", terms.auto_accept_at), ("auto_decline_below", terms.auto_decline_below))
    for name, threshold in thresholds:
        if threshold is None:
            continue
        if threshold.currency != price.currency:
            raise InvalidListing(f"best_offer.{name} must be in the listing's currency ({price.currency}).")
        if not 0 < threshold.amount_minor < price.amount_minor:
            raise InvalidListing(f"best_offer.{name} must be above zero and under the price.")
    return terms
