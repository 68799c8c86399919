"""Offers: pure values, money in integer minor units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from workflows.shared.errors import ContractError

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.shared.money import Money

#: awaiting_seller → (accepted | declined | awaiting_buyer (a counter) | expired); awaiting_buyer →
#: (accepted | declined | awaiting_seller (a counter back) | expired); accepted → purchased | lapsed;
#: failed: the platform failed the offer (its hold released)
OfferStatus = Literal[
    "awaiting_seller", "awaiting_buyer", "accepted", "declined", "expired", "purchased", "lapsed", "failed"
]
OFFER_STATUSES: tuple[str, ...] = get_args(OfferStatus)
OPEN: frozenset[str] = frozenset({"awaiting_seller", "awaiting_buyer"})
TERMINAL: frozenset[str] = frozenset({"declined", "expired", "purchased", "lapsed", "failed"})
#: who made a move: the buyer, the seller, or the platform (thresholds, deadlines)
Actor = Literal["buyer", "seller", "system"]
MoveKind = Literal["offer", "counter", "accept", "decline", "expire", "purchase", "lapse", "fail"]
Role = Literal["buyer", "seller"]

#: a buyer's offers per listing, over all time (eBay's limit)
MAX_OFFERS_PER_LISTING = 5


def holder_of(offer_id: str) -> str:
    """The key an accepted offer's units are held under on the listing's document."""
    return f"offer:{offer_id}"


def purchase_correlation(offer_id: str) -> str:
    """What an accepted offer's wait for its checkout's payment is parked under."""
    return f"offer:{offer_id}-paid"


@dataclass(frozen=True)
class OfferMove:
    """One step of the negotiation, in the order it happened."""

    round: int
    actor: Actor
    kind: MoveKind
    at: datetime
    amount: Money | None = None


@dataclass(frozen=True)
class OfferRecord:
    offer_id: str
    listing_id: str
    seller_id: str
    buyer_id: str
    title: str
    quantity: int
    #: the amount per unit on the table now (the last offer or counter; the agreed one once accepted)
    amount: Money
    #: the buyer's first amount per unit
    offered: Money
    #: the listing's price per unit when the offer was made
    list_price: Money
    status: OfferStatus
    #: 1 for the buyer's offer; each counter starts the next round
    round: int
    request_hash: str
    created_at: datetime
    updated_at: datetime
    message: str | None = None
    #: while open: when the awaited party's time to answer ends
    respond_by: datetime | None = None
    #: once accepted: the deadline to pay by (the units are held until then)
    pay_by: datetime | None = None

    def __post_init__(self) -> None:
        if self.status not in OFFER_STATUSES:
            raise ContractError(f"unknown offer status {self.status!r}")

    @property
    def awaiting(self) -> Role | None:
        if self.status == "awaiting_seller":
            return "seller"
        if self.status == "awaiting_buyer":
            return "buyer"
        return None

    def role_of(self, user_id: str) -> Role | None:
        if user_id == self.buyer_id:
            return "buyer"
        if user_id == self.seller_id:
            return "seller"
        return None

    @property
    def correlation_id(self) -> str:
        """What the current round's answer resumes (the wait's task token is parked under it)."""
        return f"offer:{self.offer_id}-{self.round}"
