"""Checkout at an agreed price: an accepted offer or a won auction becomes a one-line checkout.

An **agreed sale** is what a negotiation ends with: this buyer buys ``quantity`` units of this
listing from this seller at ``unit_price`` each, and must pay by ``pay_by``. Whoever reached the
agreement (the offer or auction capability, its *source*) already holds those units on the
listing's document under :attr:`AgreedSale.holder` (``workflows.checkout.ports.StockStore.hold``),
so nobody else can buy them while the buyer pays.

A checkout made from an agreed sale differs from a cart's in four places only, all inside the
checkout's own steps (the ASL is the same):

- its one line is priced at the agreed unit price, never the cart's nor the listing's price now;
- Validate Cart accepts that price while the agreement stands (its hold exists and ``pay_by`` has
  not passed), whatever the listing's price or status became meanwhile (an ended auction);
- Reserve Items takes the agreement's hold over (one conditional write moves it from the source's
  holder to the checkout), instead of holding new units;
- the fee calculation prices the line at the agreed price (``HeldQuoteItem.agreed_price``), so the
  fee is charged on the final price, as for a fixed price.

Its expiry is ``pay_by``: Wait For Payment times out then. Paid, the units are settled as any
sale's. Not paid, the units go back to the source's holder while ``pay_by`` has not passed (the
buyer may try again: a declined card), else back on sale; either way
:class:`AgreedCheckoutEnded` tells the source how the checkout ended, and
``CheckoutService.agreed_checkout`` answers it on demand. One agreement has at most one live
checkout: asking again while one runs (or after one was paid) answers that one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol, get_args

from pydantic import Field

from workflows.shared.errors import ContractError
from workflows.shared.events import DomainEvent

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.shared.money import Money

#: what reached the agreement (lowercase snake_case, as every enumerated value)
AgreementKind = Literal["offer", "auction"]
AGREEMENT_KINDS: tuple[str, ...] = get_args(AgreementKind)


@dataclass(frozen=True)
class AgreedSale:
    """An agreement to sell at a price, as its source hands it to checkout."""

    kind: AgreementKind
    #: the offer's or the auction's id: with ``kind`` the agreement's identity
    source_id: str
    buyer_id: str
    seller_id: str
    listing_id: str
    title: str
    quantity: int
    unit_price: Money
    #: the holder key the source's hold on the listing's units is kept under
    holder: str
    #: the payment deadline: the checkout expires then and the agreement lapses
    pay_by: datetime

    def __post_init__(self) -> None:
        if self.kind not in AGREEMENT_KINDS:
            raise ContractError(f"unknown agreement kind {self.kind!r}")
        if type(self.quantity) is not int or self.quantity < 1:
            raise ContractError(f"an agreed sale is of one unit or more, got {self.quantity!r}")
        if self.unit_price.amount_minor < 1:
            raise ContractError("an agreed price is positive")
        if not self.holder or "." in self.holder or self.holder.startswith("$"):
            raise ContractError(f"not usable as a holder key: {self.holder!r}")

    @property
    def agreement(self) -> Agreement:
        return Agreement(self.kind, self.source_id, self.holder)


@dataclass(frozen=True)
class Agreement:
    """What a checkout keeps of the agreement it was made from (its row's ``agreement_*``)."""

    kind: AgreementKind
    source_id: str
    holder: str


class AgreementSource(Protocol):
    """Port: a capability that reaches agreements, asked by ``POST /checkout`` {offer_id | auction_id}."""

    def agreed_sale(self, source_id: str, buyer_id: str) -> AgreedSale | None:
        """The agreement ``source_id`` if it stands now for this buyer, else None (unknown, the
        buyer's not, or not agreed: the API answers 404 alike)."""
        ...


#: how an agreed checkout ended, as :class:`AgreedCheckoutEnded` says it
AgreedOutcome = Literal["paid", "payment_failed", "expired", "cancelled", "failed"]


class AgreedCheckoutEnded(DomainEvent):
    """A checkout made from an agreement ended (source ``resale.checkout``): paid, or not (then
    ``units_returned`` says whether the units went back to the source's hold, the deadline not
    having passed, or back on sale). The source matches it on ``kind`` and ``source_id``."""

    source: ClassVar[str] = "resale.checkout"

    kind: AgreementKind
    source_id: str
    checkout_id: str
    buyer_id: str
    listing_id: str
    outcome: AgreedOutcome
    #: the error code of an unpaid ending (CHECKOUT_EXPIRED, PAYMENT_FAILED, ...); None when paid
    code: str | None = None
    units_returned: bool = False
    #: the orders' ids (one) when paid
    order_ids: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class AgreedCheckoutStart:
    """What ``CheckoutService.start_agreed`` answers: the checkout (started or found), or why none
    was started (``needs_address``: the buyer has no default address; they check out themselves)."""

    checkout_id: str | None
    status: Literal["started", "existing", "needs_address"]
