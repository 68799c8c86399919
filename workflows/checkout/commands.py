"""What a buyer sends to start a checkout (``POST /checkout``)."""

from __future__ import annotations

from pydantic import Field, model_validator

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
    offer_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description=(
            "Buy what an accepted offer agreed, at its price, instead of the cart (the cart is left "
            "as it is); one checkout per offer: asking again answers the same one"
        ),
    )
    auction_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Pay for an auction won, at the winning price, instead of the cart",
    )

    @model_validator(mode="after")
    def _one_agreement(self) -> CheckoutRequest:
        if self.offer_id is not None and self.auction_id is not None:
            raise ValueError("name offer_id or auction_id, not both")
        return self
