"""Cart: lines in DynamoDB, priced from the catalog's listings when read; the consumer of the
catalog's events touches DynamoDB only."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import catalog, container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from adapters.dynamo.carts import DynamoCarts
    from workflows.cart.service import CartFollower, CartService


class CartSettings(Settings):
    """The DynamoDB table of cart lines."""

    carts_table: str = Field(validation_alias="CARTS_TABLE")


class Cart:
    @cached_property
    def store(self) -> DynamoCarts:
        from adapters.dynamo.carts import DynamoCarts

        return DynamoCarts(core.wiring().dynamo, load(CartSettings).carts_table)

    @cached_property
    def service(self) -> CartService:
        from workflows.cart.service import CartService

        return CartService(store=self.store, listings=catalog.wiring().listings, clock=core.wiring().clock)

    @cached_property
    def follower(self) -> CartFollower:
        from workflows.cart.service import CartFollower

        return CartFollower(self.store)


def wiring() -> Cart:
    return container(Cart)
