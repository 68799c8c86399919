"""What the offers API answers: an offer with its moves, seen by one of its two parties."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from workflows.checkout.model import CheckoutStatus  # noqa: TC001 - pydantic reads it
from workflows.offers.model import Actor, MoveKind, OfferStatus, Role  # noqa: TC001 - pydantic reads them
from workflows.shared.views import MoneyView, Timestamp, View

if TYPE_CHECKING:
    from workflows.offers.model import OfferMove, OfferRecord


class OfferMoveView(View):
    round: int
    actor: Actor
    kind: MoveKind
    at: Timestamp
    amount: MoneyView | None = None

    @classmethod
    def of(cls, move: OfferMove) -> OfferMoveView:
        return cls(
            round=move.round,
            actor=move.actor,
            kind=move.kind,
            at=move.at,
            amount=MoneyView.of(move.amount) if move.amount else None,
        )


class OfferCheckoutView(View):
    checkout_id: str
    status: CheckoutStatus
    status_url: str


class OfferView(View):
    offer_id: str
    listing_id: str
    title: str
    buyer_id: str
    seller_id: str
    quantity: int
    amount: MoneyView = Field(description="Per unit: the amount on the table now (agreed, once accepted)")
    offered: MoneyView = Field(description="Per unit: the buyer's first offer")
    list_price: MoneyView = Field(description="The listing's price per unit when the offer was made")
    status: OfferStatus = Field(
        description=(
            "awaiting_seller / awaiting_buyer (a counter) until respond_by; then accepted (the units "
            "held: check out with POST /checkout {address_id, offer_id} by pay_by), declined, or "
            "expired; an accepted offer ends purchased, or lapsed (not bought in time)"
        )
    )
    round: int
    awaiting: Role | None = Field(description="Whose answer the offer awaits (null once it is not open)")
    your_role: Role
    respond_by: Timestamp | None = None
    pay_by: Timestamp | None = None
    message: str | None = None
    moves: list[OfferMoveView]
    checkout: OfferCheckoutView | None = Field(
        default=None, description="The checkout at the agreed price, once the buyer started it"
    )
    status_url: str
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(
        cls,
        offer: OfferRecord,
        role: Role,
        moves: list[OfferMove],
        checkout: tuple[str, str] | None = None,
    ) -> OfferView:
        return cls(
            offer_id=offer.offer_id,
            listing_id=offer.listing_id,
            title=offer.title,
            buyer_id=offer.buyer_id,
            seller_id=offer.seller_id,
            quantity=offer.quantity,
            amount=MoneyView.of(offer.amount),
            offered=MoneyView.of(offer.offered),
            list_price=MoneyView.of(offer.list_price),
            status=offer.status,
            round=offer.round,
            awaiting=offer.awaiting,
            your_role=role,
            respond_by=offer.respond_by,
            pay_by=offer.pay_by,
            message=offer.message,
            moves=[OfferMoveView.of(m) for m in moves],
            checkout=None
            if checkout is None
            else OfferCheckoutView(
                checkout_id=checkout[0],
                status=checkout[1],  # type: ignore[arg-type]
                status_url=f"/checkouts/{checkout[0]}",
            ),
            status_url=f"/offers/{offer.offer_id}",
            created_at=offer.created_at,
            updated_at=offer.updated_at,
        )


class OfferPage(View):
    items: list[OfferView]
    next_cursor: str | None
