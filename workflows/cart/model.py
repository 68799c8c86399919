"""A cart line as stored, and the mark a catalog event leaves on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.shared.money import Money

#: lines a cart holds at most
MAX_LINES = 50


@dataclass(frozen=True)
class LineMark:
    """What a catalog event says about a listing in carts, as of the listing's ``version``."""

    version: int
    event_id: str
    price_changed_to: Money | None = None
    ended: bool = False


@dataclass(frozen=True)
class CartLine:
    """One (buyer, listing) line: the quantity, and the unit price the buyer saw when adding it.

    ``listing_version`` is the catalog version the line reflects (when added, or the newest event
    that marked it); a mark from an older or equal version never applies, so replays and
    out-of-order deliveries can't move the line backwards.
    """

    user_id: str
    listing_id: str
    seller_id: str
    quantity: int
    unit_price: Money
    added_at: datetime
    updated_at: datetime
    listing_version: int
    price_changed_to: Money | None = None
    listing_ended: bool = False
    marked_by_event: str | None = None
