"""The auction state machine's contract (``statemachines/auction.json``).

The execution is named by the listing id and starts as ``{"listing_id"}`` (started when an auction
listing is created). It gathers what each step's ``ResultSelector`` keeps: how long until the end
(``opened``), how it closed (``closed``), the winner's checkout (``checkout``) and whether it was
paid (``payment``), the seller's choice after an unpaid win (``choice``), and the second-chance
buyer's checkout (``second_checkout``, ``second_payment``); a wait's resuming event and what a
Catch caught. Every step gets the listing id (the checkout steps also whose checkout it is).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workflows.shared.contracts import CaughtError, MachineContract, StateContract, StepModel
from workflows.shared.waits import WAIT_FOR_EVENT

Outcome = Literal["sold", "bought_now", "reserve_not_met", "no_bids", "ended_early"]
Buyer = Literal["winner", "second_chance"]
Choice = Literal["second_chance", "relisted", "none"]


# -- what the steps receive ------------------------------------------------------------------


class ListingStep(StepModel):
    listing_id: str = Field(min_length=1, max_length=64)


class BuyerStep(ListingStep):
    buyer: Buyer


# -- what the steps return -------------------------------------------------------------------


class AuctionOpened(StepModel):
    #: seconds until the end (at least 1): the end wait's timeout
    ends_in_s: int = Field(ge=1)
    status: Literal["open", "closed"]


class AuctionClosedStep(StepModel):
    outcome: Outcome
    winner_id: str | None
    final_price: int | None
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class CheckoutStarted(StepModel):
    #: None when the buyer has no default address (they are told to check out themselves)
    checkout_id: str | None
    #: seconds until the payment deadline has passed (the payment wait's timeout)
    wait_s: int = Field(ge=1)


class PaymentChecked(StepModel):
    paid: bool
    #: the seller's time to choose a second chance or a relist (0: nothing to choose)
    choice_window_s: int = Field(ge=0)


class SellerChoiceSettled(StepModel):
    choice: Choice


# -- the execution's document ----------------------------------------------------------------


class Opened(StepModel):
    ends_in_s: int
    status: Literal["open", "closed"]


class Closed(StepModel):
    outcome: Outcome
    winner_id: str | None
    final_price: int | None
    currency: str


class CheckoutRef(StepModel):
    checkout_id: str | None
    wait_s: int


class Payment(StepModel):
    paid: bool
    choice_window_s: int


class SellerChoice(StepModel):
    choice: Choice


class WaitEvent(StepModel):
    """What resumed a wait (``workflows.shared.waits.OutsideEvent.task_output``)."""

    event_id: str
    event_type: str
    occurred_at: int


class AuctionExecution(StepModel):
    listing_id: str
    opened: Opened | None = None
    ended: WaitEvent | None = None
    timeout: CaughtError | None = None
    closed: Closed | None = None
    checkout: CheckoutRef | None = None
    payment_event: WaitEvent | None = None
    payment: Payment | None = None
    seller_event: WaitEvent | None = None
    choice: SellerChoice | None = None
    second_checkout: CheckoutRef | None = None
    second_payment_event: WaitEvent | None = None
    second_payment: Payment | None = None
    error: CaughtError | None = None


CONTRACT = MachineContract(
    asl="auction.json",
    data=AuctionExecution,
    states={
        "Open Auction": StateContract(input=ListingStep, output=AuctionOpened),
        "Wait For End": WAIT_FOR_EVENT,
        "Close Auction": StateContract(input=ListingStep, output=AuctionClosedStep),
        "Start Winner Checkout": StateContract(input=BuyerStep, output=CheckoutStarted),
        "Wait For Winner Payment": WAIT_FOR_EVENT,
        "Check Winner Payment": StateContract(input=BuyerStep, output=PaymentChecked),
        "Wait For Seller Choice": WAIT_FOR_EVENT,
        "Settle Seller Choice": StateContract(input=ListingStep, output=SellerChoiceSettled),
        "Start Second Chance Checkout": StateContract(input=BuyerStep, output=CheckoutStarted),
        "Wait For Second Chance Payment": WAIT_FOR_EVENT,
        "Check Second Chance Payment": StateContract(input=BuyerStep, output=PaymentChecked),
    },
)
