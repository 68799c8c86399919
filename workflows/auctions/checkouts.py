"""The auctions' side of the agreed-sale checkout (``workflows.checkout.agreements``).

A won auction is an agreement of kind ``auction``: the winner buys the unit at the winning price
by the payment deadline; a second-chance offer is another agreement, with the next bidder at
their maximum. Its source id is the listing id for the winner and ``<listing id>-second-chance``
for the second-chance buyer. The sold unit is held on the listing under
:func:`workflows.auctions.service.holder_of` before either checkout starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from workflows.auctions.service import SECOND_CHANCE_SUFFIX, holder_of
from workflows.checkout.agreements import AgreedSale
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from workflows.auctions.ports import AuctionStore, PaymentOutcome
    from workflows.checkout.agreements import AgreedCheckoutStart
    from workflows.checkout.views import CheckoutView
    from workflows.shared.clock import Clock

SECOND_CHANCE = SECOND_CHANCE_SUFFIX
KIND: Final = "auction"


class AgreedCheckouts(Protocol):
    """What the auctions use of ``workflows.checkout.service.CheckoutService``."""

    def start_agreed(self, sale: AgreedSale, *, address_id: str | None = None) -> AgreedCheckoutStart: ...

    def agreed_checkout(self, kind: str, source_id: str) -> CheckoutView | None: ...


@dataclass
class AgreedSaleCheckouts:
    """Implements ``workflows.auctions.ports.SaleCheckouts`` over the checkout service."""

    checkouts: AgreedCheckouts

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
        sale = AgreedSale(
            kind=KIND,
            source_id=source_id,
            buyer_id=buyer_id,
            seller_id=seller_id,
            listing_id=listing_id,
            title=title,
            quantity=1,
            unit_price=price,
            holder=holder,
            pay_by=pay_by,
        )
        return self.checkouts.start_agreed(sale).checkout_id

    def outcome(self, source_id: str) -> PaymentOutcome:
        found = self.checkouts.agreed_checkout(KIND, source_id)
        if found is None:
            return "unpaid"
        if found.status == "paid":
            return "paid"
        return "pending" if found.status in ("pending", "awaiting_payment") else "unpaid"


@dataclass
class AuctionAgreements:
    """Implements ``workflows.checkout.agreements.AgreementSource`` for ``POST /checkout``
    {address_id, auction_id}: the winner (or the second-chance buyer) checks out themselves."""

    #: asked for on first use: the checkout's functions build this source and rarely ask it
    store: Callable[[], AuctionStore]
    clock: Clock

    def agreed_sale(self, source_id: str, buyer_id: str) -> AgreedSale | None:
        second = source_id.endswith(SECOND_CHANCE)
        listing_id = source_id.removesuffix(SECOND_CHANCE)
        auction = self.store().get(listing_id)
        if auction is None or auction.open or auction.pay_by is None:
            return None
        if second:
            buyer, price, stage = auction.second_chance_to, auction.second_chance_price, "second_chance"
        else:
            buyer, price, stage = auction.winner_id, auction.final_price, "none"
        if buyer != buyer_id or price is None or self.clock.now() >= auction.pay_by:
            return None
        if auction.after_sale not in ("awaiting_payment", stage):
            return None
        return AgreedSale(
            kind=KIND,
            source_id=source_id,
            buyer_id=buyer,
            seller_id=auction.seller_id,
            listing_id=listing_id,
            title=auction.title,
            quantity=1,
            unit_price=Money(price, auction.currency),
            holder=holder_of(listing_id),
            pay_by=auction.pay_by,
        )
