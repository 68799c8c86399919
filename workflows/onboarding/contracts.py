"""The seller_onboarding state machine's contract (``statemachines/seller_onboarding.json``).

The execution's document starts as :meth:`Onboarding.execution_input` and gathers what each
step's ``ResultSelector`` keeps: the connected account's id (``account``), the next wait's plan
and the last evaluation's outcome (``next``), the event that resumed the wait (``event``) and a
caught failure or timeout (``error``, ``timeout``). Steps get the onboarding id (and, to evaluate
an account, which event about which account and when), never the document.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from workflows.onboarding.model import (
    AccountEvent,
    OnboardingStatus,
    OnTimeout,
    Outcome,
    WaitPlan,
)
from workflows.shared.contracts import CaughtError, MachineContract, StateContract, StepModel
from workflows.shared.waits import WAIT_FOR_EVENT

OnboardingId = Field(min_length=1, max_length=64)


# -- what the steps receive ------------------------------------------------------------------


class OnboardingStep(StepModel):
    """Every step's Payload: which onboarding, and the execution (for the logs)."""

    onboarding_id: str = OnboardingId
    execution: str | None = None


class EvaluateAccountStep(OnboardingStep):
    """Evaluate Account: the event that resumed the wait says which account and when, nothing more
    (the account's state is read at Stripe)."""

    event_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    occurred_at: int = Field(ge=0, description="epoch seconds, Stripe's clock")

    def account_event(self) -> AccountEvent:
        return AccountEvent(
            event_id=self.event_id,
            account_id=self.account_id,
            occurred_at=datetime.fromtimestamp(self.occurred_at, UTC),
        )


class MarkFailedStep(OnboardingStep):
    """Mark Onboarding Failed: the name of the error the Catch caught."""

    error: str | None = None


# -- what the steps return -------------------------------------------------------------------


class NextWait(StepModel):
    """How long the next wait for ``account.updated`` lasts and what its timeout means."""

    timeout_seconds: int = Field(ge=1)
    on_timeout: OnTimeout

    @classmethod
    def of(cls, plan: WaitPlan) -> NextWait:
        return cls(timeout_seconds=plan.timeout_seconds, on_timeout=plan.on_timeout)


class AccountCreated(StepModel):
    account_id: str


class Waiting(StepModel):
    """Create Account Link, Send Reminder: the wait that comes next."""

    wait: NextWait


class Evaluated(StepModel):
    """Evaluate Account: where the account leaves the onboarding, and the wait if it goes on."""

    outcome: Outcome
    wait: NextWait


class Activated(StepModel):
    status: Literal["active"] = "active"
    user_id: str
    #: this run made the seller active (False: a retry, the seller was active already)
    activated: bool


class OnboardingClosed(StepModel):
    """Expire Onboarding, Mark Onboarding Failed: where the onboarding is now."""

    status: OnboardingStatus | Literal["unknown"]
    error: str | None = None


# -- the execution's document ----------------------------------------------------------------


class AccountRef(StepModel):
    account_id: str


class WaitAndOutcome(StepModel):
    """``$.next``: the wait's plan, with the outcome once an account event was evaluated."""

    timeout_seconds: int
    on_timeout: OnTimeout
    outcome: Outcome | None = None


class AccountEventSummary(StepModel):
    """``$.event``: the ``account.updated`` summary the stripe-events consumer resumed the wait with
    (``workflows.payments.stripe_events``); its state fields are for logs, never decisions."""

    event_id: str
    event_type: str
    occurred_at: int
    object_id: str | None = None
    status: str | None = None
    account_id: str
    charges_enabled: bool = False
    payouts_enabled: bool = False
    details_submitted: bool = False
    requirements_due: list[str] = Field(default_factory=list)
    disabled_reason: str | None = None


class OnboardingExecution(StepModel):
    onboarding_id: str
    user_id: str
    remind_after_seconds: int
    expire_after_seconds: int
    account: AccountRef | None = None
    next: WaitAndOutcome | None = None
    event: AccountEventSummary | None = None
    timeout: CaughtError | None = None
    error: CaughtError | None = None


CONTRACT = MachineContract(
    asl="seller_onboarding.json",
    data=OnboardingExecution,
    states={
        "Create Connected Account": StateContract(input=OnboardingStep, output=AccountCreated),
        "Create Account Link": StateContract(input=OnboardingStep, output=Waiting),
        "Wait For Account Update": WAIT_FOR_EVENT,
        "Evaluate Account": StateContract(input=EvaluateAccountStep, output=Evaluated),
        "Activate Seller": StateContract(input=OnboardingStep, output=Activated),
        "Send Reminder": StateContract(input=OnboardingStep, output=Waiting),
        "Expire Onboarding": StateContract(input=OnboardingStep, output=OnboardingClosed),
        "Mark Onboarding Failed": StateContract(input=MarkFailedStep, output=OnboardingClosed),
    },
)
