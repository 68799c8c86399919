"""The checkout machines' step contracts: statemachines/checkout.json (Standard) and the
checkout_preparation.json Express execution it nests (:data:`PREPARATION`).

Only ids and scalars travel between the states: the cart's items to quote (listing ids and
quantities, fee_calculation's input), the quote's id (fee_calculation keeps the quote, Create
Orders reads it), the orders' ids and total, the PaymentIntent's id, the charge's id. Every
document a later step needs is in the checkout's own rows.

How a checkout that is not a sale ends (:data:`EndingOutcome`): "refused" is a step's error
(caught: a business refusal keeps its code and ends ``cancelled``; a system failure ends
``failed``), the others are Stripe's or the clock's word.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workflows.checkout.model import CheckoutStatus  # noqa: TC001 - pydantic reads it
from workflows.fees.commands import HeldQuoteItem  # noqa: TC001 - pydantic reads it
from workflows.fees.contracts import FeeCalculationOutput  # noqa: TC001 - pydantic reads it
from workflows.fees.service import RejectionDoc  # noqa: TC001 - pydantic reads it
from workflows.shared.caught import CaughtErrorDoc  # noqa: TC001 - pydantic reads it
from workflows.shared.contracts import MachineContract, StateContract, StepModel
from workflows.shared.waits import WAIT_FOR_EVENT

#: why Abandon Checkout runs: a caught error ("refused"), a declined card, the expiry, a cancel
EndingOutcome = Literal["refused", "payment_failed", "expired", "cancelled"]


# -- what the states write into the execution's document


class CartResult(StepModel):
    """``$.cart``: the items to quote (an agreement's at its agreed price), and the time left
    until the checkout expires."""

    items: list[HeldQuoteItem]
    expires_in_seconds: int = Field(ge=1)


class FeesResult(StepModel):
    """``$.fees``: fee_calculation's outcome and the quote's id (read from the preparation)."""

    outcome: Literal["quoted", "rejected"]
    quote_id: str | None = None
    error: RejectionDoc | None = None


class OrdersResult(StepModel):
    """``$.orders``."""

    order_ids: list[str]
    amount: int
    currency: str


class PaymentIntentResult(StepModel):
    """``$.payment_intent``."""

    payment_intent_id: str


class PaymentEvent(StepModel):
    """``$.payment``: the summary of the Stripe event that resumed Wait For Payment
    (``workflows.shared.waits.OutsideEvent.task_output``); only ``event_type`` decides anything."""

    event_id: str
    event_type: str
    occurred_at: int
    object_id: str | None = None
    status: str | None = None
    payment_intent_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    latest_charge: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None


class PaidResult(StepModel):
    """``$.paid``."""

    charge_id: str


class Ending(StepModel):
    """``$.ending``: how a checkout that is not a sale ends, and the error caught, if any."""

    outcome: EndingOutcome
    error: CaughtErrorDoc | None = None


class Ended(StepModel):
    """``$.ended``: the status the checkout ended in and the code the buyer is told."""

    status: CheckoutStatus
    code: str


class RefundResult(StepModel):
    """``$.refund``."""

    refunded: bool


class CheckoutData(StepModel):
    """The execution's document: its input (``checkout_id``), then what Prepare Checkout selects
    from the preparation's document (which replaces it: the ids only), and what each state writes."""

    checkout_id: str
    cart: CartResult | None = None
    fees: FeesResult | None = None
    orders: OrdersResult | None = None
    payment_intent: PaymentIntentResult | None = None
    payment: PaymentEvent | None = None
    paid: PaidResult | None = None
    ending: Ending | None = None
    ended: Ended | None = None
    refund: RefundResult | None = None
    error: CaughtErrorDoc | None = None


class FeeRequest(StepModel):
    """``$.fee_request`` (the preparation's): fee_calculation's input."""

    items: list[HeldQuoteItem]
    held_by: str


class FeeRun(BaseModel):
    """``$.fee_calculation`` (the preparation's): StartSyncExecution's answer as the service
    integration gives it (``Status``, and ``Output`` or ``Error`` and ``Cause``; other keys kept),
    then, once Read Quote has read it, only the quote."""

    model_config = ConfigDict(extra="allow", frozen=True)

    Status: str | None = None
    Output: str | None = None
    Error: str | None = None
    Cause: str | None = None
    quote: FeeCalculationOutput | None = None


class PreparationData(StepModel):
    """The preparation's document: its input (the checkout id and the checkout execution's name,
    which every step is told and which holds the items) and what each state writes."""

    checkout_id: str
    execution: str
    cart: CartResult | None = None
    fee_request: FeeRequest | None = None
    fee_calculation: FeeRun | None = None
    orders: OrdersResult | None = None
    payment_intent: PaymentIntentResult | None = None


# -- the steps


class CheckoutStep(StepModel):
    """Every step gets the checkout id and the execution's name (for the logs)."""

    checkout_id: str = Field(min_length=1, max_length=64)
    execution: str


class ValidateCartOutput(StepModel):
    items: list[HeldQuoteItem]
    expires_in_seconds: int = Field(ge=1)


class ReserveItemsOutput(StepModel):
    held: int


class CreateOrdersInput(CheckoutStep):
    #: the quote fee_calculation kept for this checkout
    quote_id: str = Field(min_length=1)


class CreateOrdersOutput(StepModel):
    order_ids: list[str]
    amount: int
    currency: str


class RequestPaymentOutput(StepModel):
    payment_intent_id: str


class MarkPaidOutput(StepModel):
    order_ids: list[str]
    charge_id: str
    currency: str
    #: orders that became paid in this call (0 when a retry finds them paid): what is counted
    paid_now: int


class CompleteSaleOutput(StepModel):
    sold_out: list[str]


class AbandonInput(CheckoutStep):
    outcome: EndingOutcome
    error: CaughtErrorDoc | None = None


class AbandonOutput(StepModel):
    status: CheckoutStatus
    code: str


class RefundInput(CheckoutStep):
    error: CaughtErrorDoc | None = None


class RefundOutput(StepModel):
    status: CheckoutStatus
    refunded: bool
    refund_id: str | None = None
    #: the refunded payment's currency (None when nothing was refunded)
    currency: str | None = None


_MARK_PAID = StateContract(input=CheckoutStep, output=MarkPaidOutput)

PREPARATION = MachineContract(
    asl="checkout_preparation.json",
    data=PreparationData,
    states={
        "Validate Cart": StateContract(input=CheckoutStep, output=ValidateCartOutput),
        "Reserve Items": StateContract(input=CheckoutStep, output=ReserveItemsOutput),
        "Create Orders": StateContract(input=CreateOrdersInput, output=CreateOrdersOutput),
        "Request Payment": StateContract(input=CheckoutStep, output=RequestPaymentOutput),
    },
)

CONTRACT = MachineContract(
    asl="checkout.json",
    data=CheckoutData,
    states={
        "Wait For Payment": WAIT_FOR_EVENT,
        "Mark Paid": _MARK_PAID,
        "Mark Late Payment": _MARK_PAID,
        "Complete Sale": StateContract(input=CheckoutStep, output=CompleteSaleOutput),
        "Abandon Checkout": StateContract(input=AbandonInput, output=AbandonOutput),
        "Refund Checkout": StateContract(input=RefundInput, output=RefundOutput),
    },
)

#: every machine of the package (the contract checker reads each)
CONTRACTS = (CONTRACT, PREPARATION)
