"""The case_resolution state machine's contract (``statemachines/case_resolution.json``).

The execution's document starts as ``{"case_id"}`` (written by the service that opened the case)
and gathers what each step's ``ResultSelector`` keeps: where the case is and how long its wait
may last (``case``), the event that resumed a wait (``event``), the refund (``refund``), how it
closed (``closed``) and what a Catch caught. Every step gets the case id, never the document:
the case row in PostgreSQL is the source of truth, the machine only waits and times.
"""

from __future__ import annotations

from pydantic import Field

from workflows.cases.model import CaseOutcome, CaseStatus  # noqa: TC001 - pydantic needs them
from workflows.shared.contracts import CaughtError, MachineContract, StateContract, StepModel
from workflows.shared.waits import WAIT_FOR_EVENT

#: a task token is kept a week in the waits table: a longer wait is cut into rounds, each one
#: re-reading the case (so a token never outlives its item)
MAX_WAIT_S = 6 * 86_400


# -- what the steps receive ------------------------------------------------------------------


class CaseStep(StepModel):
    case_id: str = Field(min_length=1, max_length=64)


class FailedStep(CaseStep):
    error: CaughtError


# -- what the steps return -------------------------------------------------------------------


class CaseChecked(StepModel):
    """Where the case is (deadlines that passed applied) and how long its wait may last."""

    stage: CaseStatus
    wait_s: int = Field(ge=1, le=MAX_WAIT_S)


class CaseRefunded(StepModel):
    refund_id: str
    amount: int = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    #: taken back from the seller's connected account (a payout sent before the refund)
    reversed: int = Field(ge=0)
    #: what the seller's account could not give back: a debt, recovered from later payouts
    debt: int = Field(ge=0)


class CaseClosed(StepModel):
    outcome: CaseOutcome


class FailureReported(StepModel):
    status: CaseStatus


# -- the execution's document ----------------------------------------------------------------


class CaseStage(StepModel):
    stage: CaseStatus
    wait_s: int


class CaseEvent(StepModel):
    """``$.event``: what the service resumed a wait with (``workflows.shared.waits``)."""

    event_id: str
    event_type: str
    occurred_at: int


class RefundRef(StepModel):
    refund_id: str
    amount: int
    currency: str
    reversed: int
    debt: int


class Closed(StepModel):
    outcome: CaseOutcome


class Reported(StepModel):
    status: CaseStatus


class CaseExecution(StepModel):
    case_id: str
    case: CaseStage | None = None
    event: CaseEvent | None = None
    timeout: CaughtError | None = None
    refund: RefundRef | None = None
    reported: Reported | None = None
    closed: Closed | None = None
    error: CaughtError | None = None


CONTRACT = MachineContract(
    asl="case_resolution.json",
    data=CaseExecution,
    states={
        "Check Case": StateContract(input=CaseStep, output=CaseChecked),
        "Wait For Seller": WAIT_FOR_EVENT,
        "Wait For Buyer": WAIT_FOR_EVENT,
        "Wait For Return Shipment": WAIT_FOR_EVENT,
        "Wait For Return Receipt": WAIT_FOR_EVENT,
        "Wait For Escalation": WAIT_FOR_EVENT,
        "Wait For Admin Decision": WAIT_FOR_EVENT,
        "Refund Buyer": StateContract(input=CaseStep, output=CaseRefunded),
        "Report Refund Failure": StateContract(input=FailedStep, output=FailureReported),
        "Close Case": StateContract(input=CaseStep, output=CaseClosed),
    },
)
