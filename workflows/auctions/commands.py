"""What callers send to the auctions (strict: no float money, no unknown fields)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from workflows.catalog.commands import MoneyIn  # noqa: TC001 - pydantic reads it
from workflows.shared.commands import Command
from workflows.shared.fields import ONE_LINE

Reason = Annotated[str, Field(min_length=3, max_length=500), ONE_LINE]


class PlaceBid(Command):
    max_amount: MoneyIn = Field(
        description="Your secret maximum: the platform bids for you, one increment at a time, up to it"
    )


class RetractBids(Command):
    reason: Reason


class EndAuction(Command):
    reason: Reason | None = Field(
        default=None, description="Required when the auction has bids: they are cancelled"
    )


class SecondChance(Command):
    """The seller offers the item to the next bidder at their maximum."""

    confirm: bool = True


class BidQuery(Command):
    limit: StrictInt = Field(default=20, ge=1, le=100)
