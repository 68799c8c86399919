"""Ports of the auctions: what the service needs from the outside, as Protocols."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.auctions.model import Auction, Bid
    from workflows.catalog.model import Listing
    from workflows.shared.money import Money


@dataclass(frozen=True)
class BidRequest:
    """A bid request already decided: replayed for the same Idempotency-Key (same body)."""

    bid_id: str
    bidder_id: str
    body_hash: str
    response: dict[str, Any]


class AuctionStore(Protocol):
    """The auctions and their bids (DynamoDB: one state item and one item per bid, per listing)."""

    def get(self, listing_id: str) -> Auction | None: ...

    def get_many(self, listing_ids: list[str]) -> dict[str, Auction]: ...

    def open(self, auction: Auction) -> Auction:
        """Store a new auction unless one exists for the listing; the stored one either way."""
        ...

    def bids(self, listing_id: str) -> list[Bid]:
        """Every bid, retracted ones included, in sequence order."""
        ...

    def request(self, listing_id: str, bid_id: str) -> BidRequest | None: ...

    def commit(
        self,
        before: Auction,
        after: Auction,
        *,
        bids: tuple[Bid, ...] = (),
        request: BidRequest | None = None,
    ) -> bool:
        """Write ``after`` if the stored auction is still at ``before.version``, with ``bids``
        (new or changed) and ``request`` in the same transaction; False (nothing written) when
        another write came first (or the request was decided meanwhile)."""
        ...


class AuctionListings(Protocol):
    """The catalog's side of an auction listing."""

    def get(self, listing_id: str) -> Listing | None: ...

    def end(self, listing_id: str, at: datetime, reason: str) -> None:
        """The listing ends (an auction that did not sell, or ended early): it leaves search."""
        ...


@dataclass(frozen=True)
class BidderInfo:
    name: str | None
    #: feedback received, when feedback exists; else None
    feedback_count: int | None
    completed_purchases: int


class BidderDirectory(Protocol):
    def describe(self, user_ids: list[str]) -> dict[str, BidderInfo]: ...


class AuctionStarter(Protocol):
    """Starts the auction's execution (named by the listing id; idempotent)."""

    def start(self, name: str, payload: dict[str, Any]) -> bool: ...


class AuctionSignals(Protocol):
    """Wakes the auction's execution where it waits (its end, the seller's choice)."""

    def signal(self, correlation_id: str, event_type: str, event_id: str) -> None: ...


PaymentOutcome = Literal["paid", "unpaid", "pending"]


class SaleCheckouts(Protocol):
    """The checkout of an agreed sale: the winner's (or a second-chance buyer's) at their price.

    ``source_id`` names the agreement (the winner's is the listing id; a second chance's its own).
    """

    def start(
        self,
        *,
        source_id: str,
        listing_id: str,
        title: str,
        buyer_id: str,
        seller_id: str,
        price: Money,
        holder: str,
        pay_by: datetime,
    ) -> str | None:
        """The checkout's id (started, or the one already running); None when the buyer has no
        default address (they check out themselves, by the agreement's id)."""
        ...

    def outcome(self, source_id: str) -> PaymentOutcome:
        """How the agreement's newest checkout stands: paid, ended unpaid (or none), still running."""
        ...


class LiveUpdates(Protocol):
    """Frames to users' open WebSocket connections (the messaging capability's live channel)."""

    def push(self, frames: dict[str, dict[str, Any]], *, exclude: str | None = None) -> set[str]:
        """Each user's frame to their open connections; returns the users reached."""
        ...
