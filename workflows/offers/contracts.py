"""The offer machine's step contracts (statemachines/offer.json).

Only the offer's id and what the next state needs travel: Evaluate Offer says the stage (an
answer awaited, accepted, ended), the round whose answer is awaited and its correlation id, and
how long to wait (until the answer's deadline, or until the deadline to pay). Everything else is
in the offer's rows.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workflows.offers.model import OfferStatus  # noqa: TC001 - pydantic reads it
from workflows.shared.caught import CaughtErrorDoc  # noqa: TC001 - pydantic reads it
from workflows.shared.contracts import MachineContract, StateContract, StepModel
from workflows.shared.waits import WAIT_FOR_EVENT

#: what Evaluate Offer finds: an answer awaited (Wait For Answer), accepted (Wait For Purchase
#: until its checkout is paid or pay_by, then Close Offer), or ended
Stage = Literal["awaiting_answer", "accepted", "ended"]


class OfferStep(StepModel):
    offer_id: str = Field(min_length=1, max_length=64)
    execution: str


class Evaluated(StepModel):
    stage: Stage
    status: OfferStatus
    round: int = Field(ge=1)
    #: what resumes the wait: the awaited answer (``offer:<id>-<round>``), or the accepted
    #: offer's checkout paid (``offer:<id>-paid``); None once the offer ended
    correlation_id: str | None = None
    #: until the answer's deadline (awaiting_answer) or the deadline to pay (accepted)
    wait_seconds: int = Field(default=1, ge=1)


class ExpireInput(OfferStep):
    round: int = Field(ge=1)


class Expired(StepModel):
    #: the round expired now (False: it was answered meanwhile)
    expired: bool
    status: OfferStatus


class Closed(StepModel):
    status: OfferStatus


class AnswerEvent(StepModel):
    """``$.answer``: what the answer resumed the wait with (``workflows.shared.waits``)."""

    event_id: str
    event_type: str
    occurred_at: int


class OfferData(StepModel):
    """The execution's document: its input (``offer_id``) and what each state writes."""

    offer_id: str
    offer: Evaluated | None = None
    answer: AnswerEvent | None = None
    timeout: CaughtErrorDoc | None = None
    expired: Expired | None = None
    closed: Closed | None = None
    error: CaughtErrorDoc | None = None


CONTRACT = MachineContract(
    asl="offer.json",
    data=OfferData,
    states={
        "Evaluate Offer": StateContract(input=OfferStep, output=Evaluated),
        "Wait For Answer": WAIT_FOR_EVENT,
        "Expire Offer": StateContract(input=ExpireInput, output=Expired),
        "Wait For Purchase": WAIT_FOR_EVENT,
        "Close Offer": StateContract(input=OfferStep, output=Closed),
        "Release Offer": StateContract(input=OfferStep, output=Closed),
    },
)
