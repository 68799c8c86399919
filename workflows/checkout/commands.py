"""What a buyer sends to start a checkout (``POST /checkout``)."""

from __future__ import annotations

from pydantic import Field

from workflows.shared.commands import Command

MAX_LINES = 50


class ShippingChoice(Command):
    listing_id: str = Field(min_length=1, max_length=64)
    service: str = Field(min_length=1, max_length=60, description="One of the listing's shipping services")


class CheckoutRequest(Command):
    address_id: str = Field(min_length=1, max_length=64, description="One of the caller's addresses")
    shipping_choices: list[ShippingChoice] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description="The shipping service per listing; a listing not named ships with its cheapest option",
    )
