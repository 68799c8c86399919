"""The auctions' use cases: bids (decided one at a time on the auction's version), the bid
history, retractions, Buy It Now, ending early, and the auction state machine's steps.

A bid is read-decide-write: the engine decides on the auction as read, the store writes the
result only if the auction is still at the version read (else it is read again and decided
again), so any number of concurrent bidders give one order and one price. The close is such a
write too: a bid decided on the open auction before the close cannot be written after it.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from workflows.auctions import engine
from workflows.auctions.contracts import (
    AuctionClosedStep,
    AuctionOpened,
    CheckoutStarted,
    PaymentChecked,
    SellerChoiceSettled,
)
from workflows.auctions.errors import (
    AuctionBusy,
    AuctionNotFound,
    BidCurrencyMismatch,
    OnlyTheSellerEndsAuctions,
)
from workflows.auctions.events import AuctionClosed, BidPlaced
from workflows.auctions.model import Auction
from workflows.auctions.ports import BidRequest
from workflows.auctions.views import AuctionView, BidHistory, BidHistoryItem, BidView, RelistedView
from workflows.catalog.commands import CreateListing
from workflows.catalog.model import AuctionSummary
from workflows.notifications.model import Notification
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import DomainError, IdempotencyKeyReused, InvalidCursor, TransientError
from workflows.shared.ids import derived_id, new_id
from workflows.shared.money import Money
from workflows.shared.views import MoneyView
from workflows.shared.waits import OutsideEvent, deliver_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from workflows.auctions.commands import EndAuction, PlaceBid, RetractBids
    from workflows.auctions.model import Bid
    from workflows.auctions.ports import (
        AuctionListings,
        AuctionSignals,
        AuctionStarter,
        AuctionStore,
        BidderDirectory,
        LiveUpdates,
        SaleCheckouts,
    )
    from workflows.catalog.model import Listing
    from workflows.catalog.views import ListingView
    from workflows.checkout.ports import StockStore
    from workflows.notifications.model import NotificationPublisher
    from workflows.shared.clock import Clock
    from workflows.shared.events import EventPublisher
    from workflows.shared.identity import Caller
    from workflows.shared.waits import TaskResponder, WaitingTasks

#: a bid decided on a version someone else wrote first is decided again, this many times at most
MAX_ATTEMPTS = 80
#: the machine looks at the checkout this long after its deadline (its expiry settles by then)
PAYMENT_MARGIN_S = 600
#: correlation ids of the machine's waits (workflows.shared.waits)
END_WAIT = "auction_end"
SELLER_WAIT = "auction_seller"
CHECKOUT_WAIT = "auction_checkout"
SECOND_CHANCE_WAIT = "auction_second_chance"
Buyer = Literal["winner", "second_chance"]
#: the agreement of a second-chance offer is the listing id with this suffix
SECOND_CHANCE_SUFFIX = "-second-chance"


def holder_of(listing_id: str) -> str:
    """The holder key of an auction's hold on its listing's unit (a sold auction's, until paid)."""
    return f"auction-{listing_id}"


def _hash(body: object) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def outbid_frame(placed: BidPlaced, auction: Auction) -> dict[str, Any]:
    """What an outbid bidder's sockets receive: the listing, the price now and the bid count."""
    return {
        "type": "auction.outbid",
        "listing_id": placed.listing_id,
        "title": auction.title,
        "current_price": {"amount": placed.current_price, "currency": placed.currency},
        "bid_count": placed.bid_count,
        "ends_at": auction.ends_at.isoformat(),
    }


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:,.2f} {currency}" if currency != "JPY" else f"{amount:,} {currency}"


class ListingCreator(Protocol):
    """The catalog's listing creation (``workflows.catalog.service.Catalog``)."""

    def create_listing(
        self, caller: Caller, command: CreateListing, idempotency_key: str | None = None
    ) -> ListingView: ...


def relisting(listing: Listing) -> CreateListing:
    """The request that lists ``listing`` again as a new auction, with the same item and terms."""
    terms = listing.auction
    assert terms is not None

    def money(value: Money | None) -> dict[str, object] | None:
        return None if value is None else {"amount": value.amount_minor, "currency": value.currency}

    return CreateListing.model_validate(
        {
            "title": listing.title,
            "description": listing.description,
            "category_id": listing.category_id,
            "condition": listing.condition.value,
            "item_specifics": [{"name": s.name, "value": s.value} for s in listing.item_specifics],
            "quantity": 1,
            "shipping_options": [
                {"service": o.service, "price": money(o.price), "estimated_days": o.estimated_days}
                for o in listing.shipping_options
            ],
            "format": "auction",
            "auction": {
                "starting_price": money(terms.starting_price),
                "reserve_price": money(terms.reserve_price),
                "buy_it_now_price": money(terms.buy_it_now_price),
                "duration_days": terms.duration_days,
            },
        }
    )


def auction_of(listing: Listing) -> Auction:
    """A new auction from its listing's terms."""
    terms = listing.auction
    if terms is None:
        raise AuctionNotFound(f"Listing {listing.id} is not an auction.")
    return Auction(
        listing_id=listing.id,
        seller_id=listing.seller_id,
        title=listing.title,
        currency=terms.starting_price.currency,
        starting_price=terms.starting_price.amount_minor,
        reserve_price=terms.reserve_price.amount_minor if terms.reserve_price else None,
        buy_it_now_price=terms.buy_it_now_price.amount_minor if terms.buy_it_now_price else None,
        ends_at=terms.ends_at,
        price=terms.starting_price.amount_minor,
    )


@dataclass
class AuctionService:
    store: AuctionStore
    listings: AuctionListings
    stock: StockStore
    bidders: BidderDirectory
    notifications: NotificationPublisher
    events: EventPublisher
    clock: Clock
    starter: AuctionStarter | None = None
    signals: AuctionSignals | None = None
    checkouts: SaleCheckouts | None = None
    #: how long a winner has to pay (eBay: 4 days)
    payment_window: timedelta = timedelta(days=4)
    #: how long the seller has to choose a second chance or a relist once the winner did not pay
    seller_choice_window: timedelta = timedelta(days=7)
    new_id: Callable[[], str] = new_id
    #: the catalog, to relist in (the API's wiring only)
    relister: ListingCreator | None = None
    #: called between attempts of a contended write, with the attempt's number (a short jitter)
    pause: Callable[[int], None] = field(default=lambda attempt: None)
    #: the live channel, to tell an outbid bidder on their open sockets (the BidPlaced consumer's)
    live: LiveUpdates | None = None

    # ------------------------------------------------------------------ reading

    def _auction(self, listing_id: str) -> Auction:
        """The auction of ``listing_id``; opened from its listing if its execution has not yet."""
        found = self.store.get(listing_id)
        if found is not None:
            return found
        listing = self.listings.get(listing_id)
        if listing is None or listing.auction is None:
            raise AuctionNotFound(f"There is no auction listing {listing_id!r}.")
        return self.store.open(auction_of(listing))

    def summaries(self, listings: list[Listing]) -> dict[str, AuctionSummary]:
        """Implements ``workflows.catalog.ports.AuctionSummaries``."""
        return AuctionSummaryReader(lambda: self.store).summaries(listings)

    def history(self, listing_id: str, caller_id: str | None, limit: int, cursor: str | None) -> BidHistory:
        """The bids, newest first, each bidder masked; the leader's maximum never shown."""
        auction = self._auction(listing_id)
        before = decode_cursor(cursor)[1] if cursor else None
        if before is not None and not before.isdigit():
            raise InvalidCursor("The cursor is not one this API gave out.")
        bids = [b for b in reversed(self.store.bids(listing_id)) if before is None or b.seq < int(before)]
        page = bids[:limit]
        infos = self.bidders.describe(sorted({b.bidder_id for b in page}))
        now = self.clock.now()
        caller_bid = caller_id is not None and any(b.bidder_id == caller_id for b in bids)
        return BidHistory(
            auction=AuctionView.of(auction, now, caller_id, caller_bid=caller_bid),
            items=[BidHistoryItem.of(b, auction, infos.get(b.bidder_id)) for b in page],
            next_cursor=encode_cursor(page[-1].placed_at, str(page[-1].seq))
            if len(bids) > limit and page
            else None,
        )

    # ------------------------------------------------------------------ bidding

    def place_bid(
        self, caller: Caller, listing_id: str, command: PlaceBid, idempotency_key: str | None = None
    ) -> BidView:
        body_hash = _hash(command.model_dump(mode="json"))
        bid_id = (
            derived_id("bid", listing_id, caller.user_id, idempotency_key)
            if idempotency_key
            else self.new_id()
        )
        for attempt in range(MAX_ATTEMPTS):
            if idempotency_key:
                replayed = self._replay(listing_id, bid_id, body_hash)
                if replayed is not None:
                    return replayed
            auction = self._auction(listing_id)
            maximum = command.max_amount.money()
            if maximum.currency != auction.currency:
                raise BidCurrencyMismatch(
                    f"Bids on this auction are in {auction.currency}.",
                    details={"currency": auction.currency},
                )
            now = self.clock.now()
            placed = engine.place_bid(
                auction, bidder_id=caller.user_id, maximum=maximum.amount_minor, bid_id=bid_id, at=now
            )
            view = BidView(
                bid_id=bid_id,
                listing_id=listing_id,
                max_amount=MoneyView.of(maximum),
                status="outbid" if placed.effect == "outbid" else "leading",
                placed_at=now,
                auction=AuctionView.of(placed.auction, now, caller.user_id, caller_bid=True),
            )
            request = None
            if idempotency_key:
                request = BidRequest(bid_id, caller.user_id, body_hash, view.model_dump(mode="json"))
            if self.store.commit(auction, placed.auction, bids=(placed.bid,), request=request):
                self._announce_bid(placed.auction, placed.bid, placed.outbid, placed.effect)
                return view
            self.pause(attempt)
        raise AuctionBusy("Too many bids at once on this auction; send yours again.")

    def _replay(self, listing_id: str, bid_id: str, body_hash: str) -> BidView | None:
        stored = self.store.request(listing_id, bid_id)
        if stored is None:
            return None
        if stored.body_hash != body_hash:
            raise IdempotencyKeyReused("This Idempotency-Key was used with a different bid.")
        return BidView.model_validate(stored.response)

    def _announce_bid(self, auction: Auction, bid: Bid, outbid: str | None, effect: str) -> None:
        self.events.publish(
            BidPlaced(
                event_id=derived_id("BidPlaced", auction.listing_id, bid.bid_id),
                occurred_at=bid.placed_at,
                listing_id=auction.listing_id,
                seller_id=auction.seller_id,
                currency=auction.currency,
                bid_id=bid.bid_id,
                bidder_id=bid.bidder_id,
                current_price=auction.price,
                bid_count=auction.bid_count,
                leader_changed=effect == "leading",
                outbid_bidder_id=outbid,
            )
        )

    def on_bid_placed(self, placed: BidPlaced) -> bool:
        """``BidPlaced`` (off the bid's own request): a leader outbid by a higher maximum is told,
        live on their open sockets (``auction.outbid``) and by email. The email's id is the
        bid's, so a redelivered event emails them once (a frame may come twice: it says the same)."""
        outbid = placed.outbid_bidder_id
        if outbid is None or outbid == placed.bidder_id or not placed.leader_changed:
            return False
        auction = self.store.get(placed.listing_id)
        if auction is None:
            return False
        self._tell(
            outbid,
            "auctions.outbid",
            f"outbid/{placed.listing_id}/{placed.bid_id}",
            auction,
            {"price": _money(placed.current_price, placed.currency)},
        )
        if self.live is not None:
            self.live.push({outbid: outbid_frame(placed, auction)})
        return True

    def retract(self, caller: Caller, listing_id: str, command: RetractBids) -> AuctionView:
        """eBay's rule: more than 12 hours left, or within an hour of the bid; all the caller's
        standing bids go, and the price is what the other bids alone make it."""
        for attempt in range(MAX_ATTEMPTS):
            auction = self._auction(listing_id)
            bids = self.store.bids(listing_id)
            now = self.clock.now()
            rebuilt, gone = engine.retract(auction, bids, bidder_id=caller.user_id, at=now)
            if self.store.commit(auction, rebuilt, bids=tuple(gone)):
                return AuctionView.of(rebuilt, now, caller.user_id)
            self.pause(attempt)
        raise AuctionBusy("Too many bids at once on this auction; retract again.")

    def buy_it_now(self, caller: Caller, listing_id: str) -> AuctionView:
        """Buy It Now ends the auction at once; its machine then starts the buyer's checkout."""
        for attempt in range(MAX_ATTEMPTS):
            auction = self._auction(listing_id)
            now = self.clock.now()
            if auction.outcome == "bought_now" and auction.winner_id == caller.user_id:
                return AuctionView.of(auction, now, caller.user_id)  # bought already: the same answer
            bought = engine.buy_now(auction, buyer_id=caller.user_id, at=now)
            if self.store.commit(auction, bought):
                self._signal(END_WAIT, listing_id, "auction.bought_now", bought)
                return AuctionView.of(bought, now, caller.user_id)
            self.pause(attempt)
        raise AuctionBusy("Too many bids at once on this auction; try again.")

    def end_early(self, caller: Caller, listing_id: str, command: EndAuction) -> AuctionView:
        for attempt in range(MAX_ATTEMPTS):
            auction = self._auction(listing_id)
            now = self.clock.now()
            ended = engine.end_early(auction, seller_id=caller.user_id, at=now, reason=command.reason)
            if self.store.commit(auction, ended):
                self._signal(END_WAIT, listing_id, "auction.ended_early", ended)
                return AuctionView.of(ended, now, caller.user_id)
            self.pause(attempt)
        raise AuctionBusy("The auction kept changing; try again.")

    def offer_second_chance(self, caller: Caller, listing_id: str) -> AuctionView:
        auction = self._auction(listing_id)
        offered = engine.offer_second_chance(auction, seller_id=caller.user_id)
        self._commit_once(auction, offered)
        self._signal(SELLER_WAIT, listing_id, "auction.second_chance", offered)
        return AuctionView.of(offered, self.clock.now(), caller.user_id)

    def choose_relist(self, caller: Caller, listing_id: str) -> AuctionView:
        auction = self._auction(listing_id)
        chosen = engine.choose_relist(auction, seller_id=caller.user_id)
        self._commit_once(auction, chosen)
        self._signal(SELLER_WAIT, listing_id, "auction.relisted", chosen)
        return AuctionView.of(chosen, self.clock.now(), caller.user_id)

    def on_checkout_ended(self, source_id: str, outcome: str, event_id: str) -> bool:
        """A won auction's checkout was paid: its payment wait ends now (not at the deadline)."""
        if outcome != "paid" or self.signals is None:
            return False
        second = source_id.endswith(SECOND_CHANCE_SUFFIX)
        listing_id = source_id.removesuffix(SECOND_CHANCE_SUFFIX)
        wait = SECOND_CHANCE_WAIT if second else CHECKOUT_WAIT
        self.signals.signal(f"{wait}:{listing_id}", "checkout.paid", event_id)
        return True

    def relist(self, caller: Caller, listing_id: str) -> RelistedView:
        """The seller relists an auction that did not end in a paid sale: a new auction listing
        with the same item and terms (once: asking again answers the same new listing)."""
        if self.relister is None:
            raise RuntimeError("the auctions were wired without the catalog to relist in")
        auction = self._auction(listing_id)
        if auction.after_sale != "relisted":
            chosen = engine.choose_relist(auction, seller_id=caller.user_id)
            self._commit_once(auction, chosen)
            self._signal(SELLER_WAIT, listing_id, "auction.relisted", chosen)
            auction = chosen
        elif caller.user_id != auction.seller_id:
            raise OnlyTheSellerEndsAuctions("Only the seller can relist this auction.")
        listing = self.listings.get(listing_id)
        if listing is None or listing.auction is None:
            raise AuctionNotFound(f"There is no auction listing {listing_id!r}.")
        created = self.relister.create_listing(caller, relisting(listing), f"relist-{listing_id}")
        self.listings.end(listing_id, self.clock.now(), "auction_relisted")
        return RelistedView(
            listing_id=created.id, auction=AuctionView.of(auction, self.clock.now(), caller.user_id)
        )

    def _commit_once(self, before: Auction, after: Auction) -> None:
        if not self.store.commit(before, after):
            raise AuctionBusy("The auction changed meanwhile; try again.")

    def _signal(self, wait: str, listing_id: str, event_type: str, auction: Auction) -> None:
        if self.signals is not None:
            self.signals.signal(f"{wait}:{listing_id}", event_type, f"{event_type}:{auction.version}")

    # ------------------------------------------------------------------ the state machine's steps

    def start(self, listing_id: str) -> bool:
        """A new auction listing: its execution starts (named by the listing id; idempotent)."""
        listing = self.listings.get(listing_id)
        if listing is None or listing.auction is None:
            return False
        if self.starter is None:
            raise RuntimeError("the auctions were wired without a state machine starter")
        return self.starter.start(listing_id, {"listing_id": listing_id})

    def open(self, listing_id: str) -> AuctionOpened:
        """Open Auction: the auction exists (from its listing's terms); how long until its end."""
        auction = self._auction(listing_id)
        left = (auction.ends_at - self.clock.now()).total_seconds()
        return AuctionOpened(ends_in_s=max(1, math.ceil(left)), status=auction.status)

    def close(self, listing_id: str) -> AuctionClosedStep:
        """Close Auction, in one step: closed (no bid lands after this write), the winner decided
        (the reserve met or not), the sold unit held for the winner's checkout, everyone told."""
        for attempt in range(MAX_ATTEMPTS):
            auction = self._auction(listing_id)
            result = engine.close(auction, self.clock.now())
            if not result.closed_now or self.store.commit(auction, result.auction):
                break
            self.pause(attempt)
        else:
            raise TransientError(f"auction {listing_id} kept changing while it closed")
        closed = result.auction
        if closed.outcome in ("sold", "bought_now"):
            held = self.stock.hold(listing_id, holder_of(listing_id), 1)
            if held not in ("held", "already_held"):
                raise DomainError(f"the sold unit of {listing_id} could not be held: {held}")
        else:
            self.listings.end(listing_id, closed.closed_at or self.clock.now(), "auction_unsold")
        self._announce_close(closed)
        return AuctionClosedStep(
            outcome=closed.outcome or "no_bids",
            winner_id=closed.winner_id,
            final_price=closed.final_price,
            currency=closed.currency,
        )

    def _announce_close(self, auction: Auction) -> None:
        at = auction.closed_at or self.clock.now()
        self.events.publish(
            AuctionClosed(
                event_id=derived_id("AuctionClosed", auction.listing_id),
                occurred_at=at,
                listing_id=auction.listing_id,
                seller_id=auction.seller_id,
                currency=auction.currency,
                outcome=auction.outcome or "no_bids",
                winner_id=auction.winner_id,
                final_price=auction.final_price,
            )
        )
        price = _money(auction.final_price or auction.price, auction.currency)
        sold = auction.outcome in ("sold", "bought_now")
        self._tell(
            auction.seller_id,
            "auctions.sold" if sold else "auctions.unsold",
            f"closed/{auction.listing_id}",
            auction,
            {"price": price, "outcome": (auction.outcome or "no_bids").replace("_", " ")},
        )
        if sold and auction.winner_id:
            self._tell(
                auction.winner_id, "auctions.won", f"won/{auction.listing_id}", auction, {"price": price}
            )
        losers = {b.bidder_id for b in self.store.bids(auction.listing_id)} - {auction.winner_id}
        for loser in sorted(x for x in losers if x):
            self._tell(loser, "auctions.lost", f"lost/{auction.listing_id}", auction, {"price": price})

    def start_checkout(self, listing_id: str, buyer: Buyer) -> CheckoutStarted:
        """Start Winner Checkout (or the second-chance buyer's): a one-line checkout at their price,
        due by the payment deadline, taking over the unit held for it (held again for a second
        chance). A buyer without a default address is told to check out themselves."""
        checkouts = self._checkouts()
        auction = self._auction(listing_id)
        if buyer == "winner":
            buyer_id, price, source = auction.winner_id, auction.final_price, listing_id
        else:
            buyer_id, price = auction.second_chance_to, auction.second_chance_price
            source = f"{listing_id}{SECOND_CHANCE_SUFFIX}"
        if buyer_id is None or price is None:
            raise DomainError(f"auction {listing_id} has no {buyer.replace('_', ' ')} to check out")
        if buyer == "second_chance":
            held = self.stock.hold(listing_id, holder_of(listing_id), 1)
            if held not in ("held", "already_held"):
                raise DomainError(f"the unit of {listing_id} could not be held again: {held}")
        now = self.clock.now()
        pay_by = auction.pay_by if auction.pay_by and auction.after_sale == "awaiting_payment" else None
        if pay_by is None or (buyer == "second_chance" and auction.after_sale != "awaiting_payment"):
            pay_by = now + self.payment_window
            auction = self._commit_retrying(listing_id, after_sale="awaiting_payment", pay_by=pay_by)
        checkout_id = checkouts.start(
            source_id=source,
            listing_id=listing_id,
            title=auction.title,
            buyer_id=buyer_id,
            seller_id=auction.seller_id,
            price=Money(price, auction.currency),
            holder=holder_of(listing_id),
            pay_by=pay_by,
        )
        if checkout_id is None:
            self._tell(
                buyer_id,
                "auctions.check_out",
                f"check_out/{source}",
                auction,
                {"price": _money(price, auction.currency), "auction_id": source},
            )
        elif auction.checkout_id != checkout_id:
            self._commit_retrying(listing_id, checkout_id=checkout_id)
        wait = (pay_by - now).total_seconds() + PAYMENT_MARGIN_S
        return CheckoutStarted(checkout_id=checkout_id, wait_s=max(1, math.ceil(wait)))

    def check_payment(self, listing_id: str, buyer: Buyer) -> PaymentChecked:
        """Check Payment, at the deadline (or when told it was paid): paid is sold; unpaid, the
        hold is released and the seller may choose a second chance or a relist (after a second
        chance, the item is unsold)."""
        checkouts = self._checkouts()
        auction = self._auction(listing_id)
        source = listing_id if buyer == "winner" else f"{listing_id}{SECOND_CHANCE_SUFFIX}"
        outcome = checkouts.outcome(source)
        if outcome == "pending":
            raise TransientError(f"the checkout of {source} has not ended yet")
        if outcome == "paid":
            self._commit_retrying(listing_id, after_sale="paid")
            return PaymentChecked(paid=True, choice_window_s=0)
        if auction.pay_by is not None and self.clock.now() < auction.pay_by:
            raise TransientError(f"the buyer of {source} may still pay (deadline {auction.pay_by})")
        self.stock.release(listing_id, holder_of(listing_id))
        if buyer == "winner" and engine.next_bidder(auction) is not None:
            self._commit_retrying(listing_id, after_sale="awaiting_seller")
            self._tell(
                auction.seller_id,
                "auctions.winner_did_not_pay",
                f"unpaid/{listing_id}",
                auction,
                {"days": str(self.seller_choice_window.days)},
            )
            return PaymentChecked(paid=False, choice_window_s=int(self.seller_choice_window.total_seconds()))
        self._commit_retrying(listing_id, after_sale="unsold")
        self.listings.end(listing_id, self.clock.now(), "auction_unpaid")
        return PaymentChecked(paid=False, choice_window_s=0)

    def _checkouts(self) -> SaleCheckouts:
        if self.checkouts is None:
            raise RuntimeError("the auctions were wired without the agreed-sale checkout")
        return self.checkouts

    def settle_seller_choice(self, listing_id: str) -> SellerChoiceSettled:
        """After the seller's wait: what they chose, or nothing (the item is then unsold)."""
        auction = self._auction(listing_id)
        if auction.after_sale == "second_chance":
            if auction.second_chance_to:
                self._tell(
                    auction.second_chance_to,
                    "auctions.second_chance",
                    f"second_chance/{listing_id}",
                    auction,
                    {"price": _money(auction.second_chance_price or 0, auction.currency)},
                )
            return SellerChoiceSettled(choice="second_chance")
        if auction.after_sale == "relisted":
            self.listings.end(listing_id, self.clock.now(), "auction_relisted")
            return SellerChoiceSettled(choice="relisted")
        self._commit_retrying(listing_id, after_sale="unsold")
        self.listings.end(listing_id, self.clock.now(), "auction_unpaid")
        return SellerChoiceSettled(choice="none")

    def _commit_retrying(self, listing_id: str, **changes: object) -> Auction:
        for attempt in range(MAX_ATTEMPTS):
            auction = self._auction(listing_id)
            after = auction.changed(**changes)
            if self.store.commit(auction, after):
                return after
            self.pause(attempt)
        raise TransientError(f"auction {listing_id} kept changing")

    # ------------------------------------------------------------------ telling people

    def _tell(self, user_id: str, kind: str, key: str, auction: Auction, data: dict[str, str]) -> None:
        self.notifications.publish(
            Notification(
                notification_id=derived_id("notification", kind, key, user_id),
                type=kind,
                category="orders",
                channels=("email",),
                user_id=user_id,
                data={"title": auction.title, "listing_id": auction.listing_id, **data},
                reference=f"listing:{auction.listing_id}",
            )
        )


@dataclass
class WaitSignals:
    """Implements ``AuctionSignals`` with the shared waits: the execution waiting on the
    correlation id is resumed (or the event kept until it waits)."""

    waiting: WaitingTasks
    responder: TaskResponder
    clock: Clock

    def signal(self, correlation_id: str, event_type: str, event_id: str) -> None:
        now = int(self.clock.now().timestamp())
        event = OutsideEvent(
            event_id=event_id, event_type=event_type, correlation_id=correlation_id, occurred_at=now
        )
        deliver_event(self.waiting, self.responder, event, now=now)


@dataclass
class AuctionSummaryReader:
    """Implements ``workflows.catalog.ports.AuctionSummaries``: what a listing shows of its
    auction. The store is asked for on first use (most listings the catalog shows are not
    auctions, and a function that never shows one never builds it)."""

    store: Callable[[], AuctionStore]

    def summaries(self, listings: list[Listing]) -> dict[str, AuctionSummary]:
        ids = [x.id for x in listings if x.auction is not None]
        found = self.store().get_many(ids) if ids else {}
        return {
            listing_id: AuctionSummary(
                current_price=Money(a.final_price or a.price, a.currency),
                minimum_bid=Money(engine.minimum_bid(a), a.currency),
                bid_count=a.bid_count,
                reserve_met=None if a.reserve_price is None else a.reserve_met,
                buy_it_now_available=a.buy_it_now_available(),
                open=a.open,
            )
            for listing_id, a in found.items()
        }
