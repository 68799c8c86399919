"""Auctions: the auctions and their bids (DynamoDB), the listings and their stock (the catalog's
MongoDB), bidders' names and purchase counts (PostgreSQL), the shared waits (to resume the
auction's execution), and, for the checkout steps only, the agreed-sale checkout."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import catalog, container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from adapters.dynamo.bids import DynamoAuctions
    from workflows.auctions.checkouts import AuctionAgreements
    from workflows.auctions.service import AuctionService


class AuctionsSettings(Settings):
    """The bids table, the machine the listing consumer starts, and the windows after the end."""

    auction_bids_table: str = Field(validation_alias="AUCTION_BIDS_TABLE")
    #: set on the consumer of ListingCreated only (the one that starts executions)
    auction_state_machine_arn: str | None = Field(default=None, validation_alias="AUCTION_STATE_MACHINE_ARN")
    #: the winner has this many days to pay (a fraction for demos)
    auction_payment_days: float = Field(default=4, gt=0, le=30, validation_alias="AUCTION_PAYMENT_DAYS")
    #: the seller has this many days to choose a second chance or a relist
    auction_seller_choice_days: float = Field(
        default=7, gt=0, le=60, validation_alias="AUCTION_SELLER_CHOICE_DAYS"
    )


def _jitter(attempt: int) -> None:
    """Between two attempts of a contended bid: a random pause, growing exponentially up to
    200 ms ("full jitter"), so that many bidders at once spread out instead of all retrying."""
    time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))  # noqa: S311 - jitter, not a secret


class Auctions:
    @cached_property
    def settings(self) -> AuctionsSettings:
        return load(AuctionsSettings)

    @cached_property
    def store(self) -> DynamoAuctions:
        from adapters.dynamo.bids import DynamoAuctions

        return DynamoAuctions(core.wiring().dynamo, self.settings.auction_bids_table)

    @cached_property
    def service(self) -> AuctionService:
        from adapters.mongo.auction_listings import MongoAuctionListings
        from adapters.postgres.bidders import PostgresBidders
        from workflows.auctions.service import AuctionService, WaitSignals

        c, s, shelf = core.wiring(), self.settings, catalog.wiring()
        return AuctionService(
            store=self.store,
            listings=MongoAuctionListings(shelf.listings),
            stock=shelf.stock,
            bidders=PostgresBidders(c.pg_pool),
            notifications=c.notifications,
            events=c.events,
            clock=c.clock,
            starter=c.starter(s.auction_state_machine_arn, "AUCTION_STATE_MACHINE_ARN"),
            signals=WaitSignals(c.waiting_tasks, c.task_responder, c.clock),
            payment_window=timedelta(days=s.auction_payment_days),
            seller_choice_window=timedelta(days=s.auction_seller_choice_days),
            pause=_jitter,
        )

    @cached_property
    def checkout_steps(self) -> AuctionService:
        """The service with the agreed-sale checkout (the steps that start and check it)."""
        from lambdas.wiring import checkout
        from workflows.auctions.checkouts import AgreedSaleCheckouts

        return replace(self.service, checkouts=AgreedSaleCheckouts(checkout.wiring().service))

    @cached_property
    def api(self) -> AuctionService:
        """The service with the catalog to relist in (the API's function has its settings)."""
        return replace(self.service, relister=catalog.wiring().catalog)

    @cached_property
    def outbid(self) -> AuctionService:
        """The service with the live channel (the ``BidPlaced`` consumer has the connections
        table and the ``@connections`` endpoint), to tell an outbid bidder on their sockets."""
        from lambdas.wiring import messaging

        return replace(self.service, live=messaging.wiring().live)

    @cached_property
    def agreements(self) -> AuctionAgreements:
        """``POST /checkout`` {address_id, auction_id}: the winner checks out themselves."""
        from workflows.auctions.checkouts import AuctionAgreements

        return AuctionAgreements(lambda: self.store, core.wiring().clock)


def wiring() -> Auctions:
    return container(Auctions)
