"""The payout state machine's contract (``statemachines/payout.json``).

The execution's document starts as ``{"order_id", "check": {"hold_served": false}}`` (written by
:meth:`PayoutService.on_order_paid`) and gathers what each step's ``ResultSelector`` keeps: what
the payout does next (``check``: Check Payout's answer, from where the order is and, once it is
delivered, the holds), the transfer (``transfer``), the fulfilment event that resumed a wait
(``event``) and what a Catch caught. Every step gets the order id (Check Payout also whether the
new seller's hold was waited out), never the document.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workflows.payouts.model import HoldDecision, PayoutStatus  # noqa: TC001 - pydantic needs them
from workflows.shared.contracts import CaughtError, MachineContract, StateContract, StepModel
from workflows.shared.waits import WAIT_FOR_EVENT

#: where Check Fulfilment finds the order (anything ended is ``cancelled``: the payout stops)
Stage = Literal["awaiting_shipment", "shipped", "delivered", "cancelled"]
Decision = Literal["transfer", "hold", "stop"]
#: what Check Payout answers: wait for the shipment or the delivery, hold, transfer, or stop
Next = Literal["await_shipment", "await_delivery", "hold", "transfer", "stop"]
_NEXT_BY_STAGE: dict[Stage, Next] = {
    "awaiting_shipment": "await_shipment",
    "shipped": "await_delivery",
    "cancelled": "stop",
}


# -- what the steps receive ------------------------------------------------------------------


class OrderStep(StepModel):
    order_id: str = Field(min_length=1, max_length=64)


class HoldsStep(OrderStep):
    #: the new seller's hold was waited out once already (later rounds do not wait it again)
    hold_served: bool = False


class StopStep(OrderStep):
    reason: str = Field(default="order_not_payable", min_length=1, max_length=64)


# -- what the steps return -------------------------------------------------------------------


class FulfilmentChecked(StepModel):
    stage: Stage
    status: str
    #: the seconds left of the auto-confirm window once shipped (the delivery wait's timeout)
    auto_confirm_in_s: int = Field(ge=0)


class DeliveryConfirmed(StepModel):
    order_id: str
    status: str
    #: this run confirmed the delivery (False: the order was not shipped, or already delivered)
    confirmed: bool


class HoldsApplied(StepModel):
    decision: Decision
    reason: str | None = None
    wait_s: int = Field(default=0, ge=0)
    hold_served: bool

    @classmethod
    def of(cls, decision: HoldDecision, *, hold_served: bool) -> HoldsApplied:
        """The decision, and whether the new seller's hold is served once the machine waits it."""
        served = hold_served or (decision.decision == "hold" and decision.reason == "new_seller")
        return cls(
            decision=decision.decision, reason=decision.reason, wait_s=decision.wait_s, hold_served=served
        )


class PayoutChecked(StepModel):
    """Check Payout's answer: where the order is and, once delivered, the holds' decision."""

    next: Next
    status: str
    #: the seconds left of the auto-confirm window once shipped (the delivery wait's timeout)
    auto_confirm_in_s: int = Field(default=0, ge=0)
    reason: str | None = None
    #: how long to hold (``hold``)
    wait_s: int = Field(default=0, ge=0)
    hold_served: bool

    @classmethod
    def of(
        cls, fulfilment: FulfilmentChecked, holds: HoldsApplied | None, *, hold_served: bool
    ) -> PayoutChecked:
        """Before delivery, the stage says what comes next; once delivered, the holds do."""
        if holds is None:
            return cls(
                next=_NEXT_BY_STAGE[fulfilment.stage] if fulfilment.stage != "delivered" else "stop",
                status=fulfilment.status,
                auto_confirm_in_s=fulfilment.auto_confirm_in_s,
                hold_served=hold_served,
            )
        return cls(
            next=holds.decision,
            status=fulfilment.status,
            reason=holds.reason,
            wait_s=holds.wait_s,
            hold_served=holds.hold_served,
        )


class Transferred(StepModel):
    transfer_id: str
    amount: int = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    #: this run recorded the transfer (False: a retry of one already sent and recorded)
    created: bool


class SellerNotified(StepModel):
    seller_id: str


class PayoutStopped(StepModel):
    status: PayoutStatus


# -- the execution's document ----------------------------------------------------------------


class Check(StepModel):
    """``$.check``: the execution starts with ``hold_served`` only; Check Payout writes the rest."""

    hold_served: bool
    next: Next | None = None
    auto_confirm_in_s: int = 0
    reason: str | None = None
    wait_s: int = 0


class AutoConfirm(StepModel):
    confirmed: bool


class TransferRef(StepModel):
    transfer_id: str
    amount: int
    currency: str


class Stopped(StepModel):
    status: PayoutStatus


class FulfilmentEvent(StepModel):
    """``$.event``: what the fulfilment service resumed a wait with (``workflows.shared.waits``)."""

    event_id: str
    event_type: str
    occurred_at: int


class PayoutExecution(StepModel):
    order_id: str
    check: Check
    event: FulfilmentEvent | None = None
    timeout: CaughtError | None = None
    auto_confirm: AutoConfirm | None = None
    transfer: TransferRef | None = None
    stopped: Stopped | None = None
    error: CaughtError | None = None


CONTRACT = MachineContract(
    asl="payout.json",
    data=PayoutExecution,
    states={
        "Check Payout": StateContract(input=HoldsStep, output=PayoutChecked),
        "Wait For Shipment": WAIT_FOR_EVENT,
        "Wait For Delivery": WAIT_FOR_EVENT,
        "Auto Confirm Delivery": StateContract(input=OrderStep, output=DeliveryConfirmed),
        "Transfer To Seller": StateContract(input=OrderStep, output=Transferred),
        "Stop Payout": StateContract(input=StopStep, output=PayoutStopped),
    },
)
