"""Payout records, the OrderPaid event as payouts read it, and the payout policy."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, model_validator

from workflows.shared.errors import ContractError
from workflows.shared.ids import derived_id
from workflows.shared.money import Money  # noqa: TC001 - the dataclass's field type

PayoutStatus = Literal["awaiting_delivery", "held", "payable", "transferred", "stopped"]
PAYOUT_STATUSES: tuple[str, ...] = get_args(PayoutStatus)
#: why a payout waits (``holds.decide``'s hold decisions)
HoldReason = Literal[
    "not_delivered", "open_dispute", "new_seller", "seller_restricted", "no_connected_account"
]


def payout_id_for(order_id: str) -> str:
    return derived_id("payout", order_id)


def execution_name(order_id: str) -> str:
    """The payout execution of an order (the same on every redelivery of OrderPaid)."""
    return f"payout-{order_id}"


def transfer_idempotency_key(order_id: str) -> str:
    """Stripe's idempotency key of an order's transfer: one transfer per order, whatever retries."""
    return derived_id("stripe", "transfer", order_id)


class OrderPaid(BaseModel):
    """The ``detail`` of checkout's ``OrderPaid`` event (source ``resale.checkout``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    order_id: str = Field(min_length=1, max_length=64)
    checkout_id: str = Field(min_length=1, max_length=64)
    buyer_id: str = Field(min_length=1)
    seller_id: str = Field(min_length=1)
    payment_intent_id: str = Field(pattern=r"^pi_")
    charge_id: str = Field(pattern=r"^ch_")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    gross: StrictInt = Field(ge=0)
    fee: StrictInt = Field(ge=0)
    net: StrictInt = Field(ge=0)
    paid_at: AwareDatetime

    @model_validator(mode="after")
    def _adds_up(self) -> OrderPaid:
        if self.fee + self.net != self.gross:
            raise ValueError("fee + net must equal gross")
        return self


@dataclass(frozen=True)
class PayoutRecord:
    order_id: str
    seller_id: str
    checkout_id: str
    charge_id: str
    amount: Money
    paid_at: datetime
    status: PayoutStatus = "awaiting_delivery"
    hold_until: datetime | None = None
    hold_reason: HoldReason | None = None
    stopped_reason: str | None = None
    transfer_id: str | None = None
    transferred_at: datetime | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.status not in PAYOUT_STATUSES:
            raise ContractError(f"unknown payout status {self.status!r}")
        if self.amount.amount_minor < 0:
            raise ContractError("a payout is never negative")
        if (self.status == "transferred") != (self.transfer_id is not None):
            raise ContractError("a transferred payout has its transfer, and only it")

    @property
    def payout_id(self) -> str:
        return payout_id_for(self.order_id)

    def with_status(self, status: PayoutStatus, **changes: object) -> PayoutRecord:
        return replace(self, status=status, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PayoutPolicy:
    """How long things wait; every value comes from settings (AUTO_CONFIRM_DAYS, ...)."""

    auto_confirm_after: timedelta = timedelta(days=14)
    new_seller_hold: timedelta = timedelta(days=7)
    #: a seller's first N sales are held
    new_seller_sales: int = 3
    #: how often an open dispute or a missing connected account is looked at again
    recheck_after: timedelta = timedelta(days=1)


@dataclass(frozen=True)
class HoldDecision:
    """What Apply Holds decided: transfer now, wait ``wait_s`` and decide again, or stop."""

    decision: Literal["transfer", "hold", "stop"]
    reason: str | None = None
    wait_s: int = 0
    hold_until: datetime | None = None
    reasons: tuple[str, ...] = field(default=())
