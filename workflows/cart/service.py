"""The cart service: set and remove lines, price the cart from the catalog, follow its events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflows.cart.errors import CartFull, CartLineChanged, OwnListing
from workflows.cart.model import MAX_LINES, CartLine, LineMark
from workflows.cart.views import CartLineView, CartView, LineProblem, LineStatus
from workflows.catalog.errors import (
    ListingIsAuction,
    ListingNotAvailable,
    ListingNotFound,
    QuantityNotAvailable,
)
from workflows.catalog.model import ListingStatus
from workflows.shared.money import Money
from workflows.shared.views import MoneyView

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.cart.commands import SetQuantity
    from workflows.cart.ports import CartStore, ListingReader
    from workflows.catalog.events import ListingEnded, ListingPriceChanged
    from workflows.catalog.model import Listing
    from workflows.shared.clock import Clock
    from workflows.shared.identity import Caller


@dataclass(frozen=True)
class _Priced:
    unit_price: Money
    status: LineStatus
    quantity_available: int
    title: str | None
    problem: LineProblem | None


def _price(line: CartLine, listing: Listing | None, at: datetime) -> _Priced:
    """The line as it stands now: the catalog's word, unless an event newer than the read says otherwise."""
    if listing is None:
        return _Priced(line.price_changed_to or line.unit_price, "ended", 0, None, "listing_not_found")
    price = listing.effective_price(at)
    status: LineStatus = listing.status.value  # the same three values
    if line.listing_version > listing.version:  # the catalog read is older than a mark on the line
        price = line.price_changed_to or price
        if line.listing_ended:
            status = "ended"
    available = listing.quantity if status == "active" else 0
    problem: LineProblem | None = None
    if status == "ended":
        problem = "listing_ended"
    elif status == "sold_out":
        problem = "sold_out"
    elif line.quantity > available:
        problem = "quantity_not_available"
    return _Priced(price, status, available, listing.title, problem)


def line_view(line: CartLine, listing: Listing | None, at: datetime) -> CartLineView:
    priced = _price(line, listing, at)
    changed = priced.unit_price != line.unit_price
    return CartLineView(
        listing_id=line.listing_id,
        seller_id=line.seller_id,
        title=priced.title,
        quantity=line.quantity,
        unit_price=MoneyView.of(priced.unit_price),
        line_total=MoneyView.of(priced.unit_price.times(line.quantity)),
        price_changed=changed,
        previous_price=MoneyView.of(line.unit_price) if changed else None,
        available=priced.problem is None,
        quantity_available=priced.quantity_available,
        status=priced.status,
        problem=priced.problem,
        added_at=line.added_at,
        updated_at=line.updated_at,
    )


def subtotals(lines: list[CartLineView]) -> list[MoneyView]:
    """Per currency, the sum of the available lines' totals (integer minor units)."""
    sums: dict[str, Money] = {}
    for line in lines:
        if line.available:
            total = Money(line.line_total.amount, line.line_total.currency)
            sums[total.currency] = sums.get(total.currency, Money.zero(total.currency)) + total
    return [MoneyView.of(sums[currency]) for currency in sorted(sums)]


class CartService:
    def __init__(
        self, store: CartStore, listings: ListingReader, clock: Clock, max_lines: int = MAX_LINES
    ) -> None:
        self.store = store
        self.listings = listings
        self.clock = clock
        self.max_lines = max_lines

    # -- the buyer's API

    def cart(self, caller: Caller) -> CartView:
        lines = sorted(self.store.lines(caller.user_id), key=lambda x: (x.added_at, x.listing_id))
        found = {listing.id: listing for listing in self.listings.get_many([x.listing_id for x in lines])}
        now = self.clock.now()
        views = [line_view(line, found.get(line.listing_id), now) for line in lines]
        return CartView(
            items=views,
            subtotals=subtotals(views),
            unavailable_count=sum(1 for v in views if not v.available),
        )

    def set_quantity(self, caller: Caller, listing_id: str, command: SetQuantity) -> CartLineView | None:
        """Set the line's quantity (0 removes it: ``None``); the price seen becomes today's."""
        if command.quantity == 0:
            self.store.remove(caller.user_id, listing_id)
            return None
        found = self.listings.get_many([listing_id])
        listing = found[0] if found else None
        if listing is None:
            raise ListingNotFound(f"There is no listing {listing_id!r}.")
        if listing.seller_id == caller.user_id:
            raise OwnListing("You can't put your own listing in your cart.")
        if listing.auction is not None:
            raise ListingIsAuction(
                f"This is an auction: bid on it (POST /listings/{listing.id}/bids) or, while it is "
                f"offered, buy it now (POST /listings/{listing.id}/buy-it-now)."
            )
        if listing.status != ListingStatus.ACTIVE:
            raise ListingNotAvailable(
                f"The listing is {listing.status.value.replace('_', ' ')}; it can't be bought.",
                details={"status": listing.status.value},
            )
        if command.quantity > listing.quantity:
            raise QuantityNotAvailable(
                f"Only {listing.quantity} available; you asked for {command.quantity}.",
                details={"available": listing.quantity, "requested": command.quantity},
            )
        existing = self.store.get(caller.user_id, listing_id)
        if existing is None and len(self.store.lines(caller.user_id)) >= self.max_lines:
            raise CartFull(
                f"A cart holds at most {self.max_lines} listings; remove one first.",
                details={"max_lines": self.max_lines},
            )
        now = self.clock.now()
        line = CartLine(
            user_id=caller.user_id,
            listing_id=listing_id,
            seller_id=listing.seller_id,
            quantity=command.quantity,
            unit_price=listing.effective_price(now),
            added_at=existing.added_at if existing else now,
            updated_at=now,
            listing_version=listing.version,
        )
        if not self.store.put(line):
            raise CartLineChanged("The listing changed while it was being added; try again.")
        return line_view(line, listing, now)

    def remove(self, caller: Caller, listing_id: str) -> None:
        """Remove the line; removing a line that is not there is fine."""
        self.store.remove(caller.user_id, listing_id)


class CartFollower:
    """Marks cart lines from the catalog's events, so a cart shows them before the catalog is re-read.

    Idempotent: a mark applies only to lines whose ``listing_version`` is older than the event's,
    so a replayed or late event (same or older version) changes nothing.
    """

    def __init__(self, store: CartStore) -> None:
        self.store = store

    def on_price_changed(self, event: ListingPriceChanged) -> int:
        new = Money(event.new_price.amount, event.new_price.currency)
        return self._mark(event.listing_id, LineMark(event.version, event.event_id, price_changed_to=new))

    def on_listing_ended(self, event: ListingEnded) -> int:
        return self._mark(event.listing_id, LineMark(event.version, event.event_id, ended=True))

    def _mark(self, listing_id: str, mark: LineMark) -> int:
        """Mark every cart line of the listing; the number of lines the mark changed."""
        holders = self.store.holders(listing_id)
        return sum(1 for user_id in holders if self.store.mark(user_id, listing_id, mark))
