"""What a buyer sends to make an offer, and what either party sends to counter one."""

from __future__ import annotations

from pydantic import Field, StrictInt

from workflows.catalog.commands import MoneyIn  # noqa: TC001 - pydantic reads it
from workflows.catalog.model import MAX_QUANTITY
from workflows.shared.commands import Command


class MakeOffer(Command):
    amount: MoneyIn = Field(description="Per unit, in the listing's currency; at most the listing's price")
    quantity: StrictInt = Field(default=1, ge=1, le=MAX_QUANTITY, description="How many units")
    message: str | None = Field(default=None, min_length=1, max_length=500, description="To the seller")


class CounterOffer(Command):
    amount: MoneyIn = Field(description="Per unit, in the listing's currency")
