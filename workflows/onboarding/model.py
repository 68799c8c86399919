"""Seller onboarding: the stored record and the pure rules (requests in ``commands``, answers in ``views``).

Time inside the workflow is Stripe's: the connected account's ``created`` starts the reminder
and expiry deadlines, and each ``account.updated`` event says when it happened. The waits
between them are the state machine's task timeouts, so the deadlines hold however late a
step runs.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from workflows.accounts.model import SellerStatus
    from workflows.onboarding.views import SellerOnboardingView

#: where an onboarding is; one of the first three is "live" (at most one per user)
OnboardingStatus = Literal["onboarding", "restricted", "active", "rejected", "expired", "failed"]
LIVE: frozenset[str] = frozenset({"onboarding", "restricted", "active"})
#: what an ``account.updated`` event means for the onboarding
Outcome = Literal["active", "restricted", "rejected", "pending", "stale"]
#: what the next wait does when it times out
OnTimeout = Literal["remind", "expire"]
#: what POST /sellers needs of the profile, in the words of ``details.missing``
Requirement = Literal["email_confirmed", "phone_verified", "address"]

STATUS_URL = "/sellers/me"


@dataclass(frozen=True)
class Applicant:
    """What POST /sellers checks of the caller's profile."""

    user_id: str
    email: str
    phone_verified: bool
    has_address: bool
    #: a sign-up whose emailed code was never confirmed
    email_confirmation_pending: bool
    seller_status: SellerStatus


@dataclass(frozen=True)
class Onboarding:
    """One onboarding attempt (table ``seller_onboardings``)."""

    onboarding_id: str
    user_id: str
    country: str
    business_type: Literal["individual", "company"]
    default_currency: str
    request_fingerprint: str
    remind_after_s: int
    expire_after_s: int
    created_at: datetime
    updated_at: datetime
    status: OnboardingStatus = "onboarding"
    idempotency_key: str | None = None
    stripe_account_id: str | None = None
    onboarding_url: str | None = None
    onboarding_url_expires_at: datetime | None = None
    charges_enabled: bool = False
    payouts_enabled: bool = False
    details_submitted: bool = False
    requirements_due: tuple[str, ...] = ()
    disabled_reason: str | None = None
    #: the connected account's creation on Stripe's clock: the deadlines count from it
    started_at: datetime | None = None
    remind_at: datetime | None = None
    expire_at: datetime | None = None
    reminded_at: datetime | None = None
    last_event_id: str | None = None
    last_event_at: datetime | None = None
    ended_at: datetime | None = None
    #: when the seller first became active: from then on the seller_accounts consumer, not the
    #: workflow, follows the account (active <-> restricted)
    activated_at: datetime | None = None

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def onboarded(self) -> bool:
        """The seller finished onboarding once (and is active or restricted now)."""
        return self.activated_at is not None and self.status in {"active", "restricted"}

    def execution_input(self) -> dict[str, Any]:
        """The seller_onboarding execution's input (the same on every start of this onboarding)."""
        return {
            "onboarding_id": self.onboarding_id,
            "user_id": self.user_id,
            "remind_after_seconds": self.remind_after_s,
            "expire_after_seconds": self.expire_after_s,
        }

    def view(self) -> SellerOnboardingView:
        """The onboarding as the API answers it."""
        from workflows.onboarding.views import SellerOnboardingView  # the views module imports this one

        return SellerOnboardingView.of(self)


@dataclass(frozen=True)
class ConnectedAccount:
    account_id: str
    created: datetime


@dataclass(frozen=True)
class AccountLink:
    url: str
    created: datetime
    expires_at: datetime


@dataclass(frozen=True)
class AccountState:
    """A connected account as Stripe has it now (fetched from Stripe, never read from an event)."""

    account_id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...] = ()
    disabled_reason: str | None = None

    @classmethod
    def disconnected(cls, account_id: str) -> AccountState:
        """What an account Stripe no longer lets the platform see (deauthorized, deleted) allows."""
        return cls(account_id, False, False, True, (), DISCONNECTED)


#: ``disabled_reason`` of an account the platform can no longer reach
DISCONNECTED = "platform.disconnected"


@dataclass(frozen=True)
class AccountEvent:
    """Which Stripe event is about which account, and when it happened: nothing of its payload's
    state is kept (the account is read from Stripe)."""

    event_id: str
    account_id: str
    occurred_at: datetime
    event_type: str = "account.updated"


@dataclass(frozen=True)
class AccountUpdate:
    """An account event with the account's state as Stripe answered it when the event was handled."""

    event_id: str
    account_id: str
    occurred_at: datetime
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...] = ()
    disabled_reason: str | None = None

    @classmethod
    def at_source(cls, event: AccountEvent, state: AccountState) -> AccountUpdate:
        return cls(
            event_id=event.event_id,
            account_id=event.account_id,
            occurred_at=event.occurred_at,
            charges_enabled=state.charges_enabled,
            payouts_enabled=state.payouts_enabled,
            details_submitted=state.details_submitted,
            requirements_due=state.requirements_due,
            disabled_reason=state.disabled_reason,
        )


@dataclass(frozen=True)
class WaitPlan:
    """How long the next wait for ``account.updated`` lasts and what its timeout means."""

    timeout_seconds: int
    on_timeout: OnTimeout


@dataclass(frozen=True)
class Evaluation:
    outcome: Outcome
    wait: WaitPlan | None = None
    changes: dict[str, Any] = field(default_factory=dict)


# -- rules ---------------------------------------------------------------------------------------


def missing_requirements(applicant: Applicant | None, *, email_verified_claim: str | None) -> list[str]:
    """What the caller still lacks to become a seller, in a fixed order (empty: nothing)."""
    missing: list[str] = []
    email_refused = str(email_verified_claim).lower() == "false"
    if email_refused or (applicant is not None and applicant.email_confirmation_pending):
        missing.append("email_confirmed")
    if applicant is None or not applicant.phone_verified:
        missing.append("phone_verified")
    if applicant is None or not applicant.has_address:
        missing.append("address")
    return missing


def outcome_of(update: AccountUpdate) -> Outcome:
    """Where an account update leaves the onboarding (``stale`` is decided by :func:`is_stale`)."""
    if (update.disabled_reason or "").startswith("rejected."):
        return "rejected"
    if update.charges_enabled and update.payouts_enabled:
        return "active"
    if update.charges_enabled or (update.details_submitted and update.requirements_due):
        return "restricted"
    return "pending"


def standing_of(state: AccountState) -> Literal["active", "restricted"]:
    """Where an onboarded seller stands: selling and paid out only with charges and payouts enabled."""
    return "active" if state.charges_enabled and state.payouts_enabled else "restricted"


def is_stale(onboarding: Onboarding, update: AccountUpdate | AccountEvent) -> bool:
    """The event applied last, delivered again, changes nothing.

    Any other event, however old it says it is, makes the account be read at Stripe again: what
    Stripe answers is the newest state there is, and an event's ``created`` is no reason to
    ignore Stripe (a forged event dated in the future would otherwise hide every real one).
    """
    return update.event_id == onboarding.last_event_id


def newest_event(onboarding: Onboarding, event: AccountEvent) -> dict[str, Any]:
    """``last_event_id``/``last_event_at`` after ``event``: the newest event handled so far."""
    if onboarding.last_event_at is not None and event.occurred_at < onboarding.last_event_at:
        return {"last_event_id": onboarding.last_event_id, "last_event_at": onboarding.last_event_at}
    return {"last_event_id": event.event_id, "last_event_at": event.occurred_at}


def next_wait(onboarding: Onboarding, now: datetime) -> WaitPlan:
    """The next wait, from ``now`` on Stripe's clock: until the reminder, then until the expiry."""
    if onboarding.remind_at is None or onboarding.expire_at is None:
        raise ValueError(f"onboarding {onboarding.onboarding_id} has no deadlines yet")
    reminder_due = onboarding.reminded_at is None and onboarding.remind_at < onboarding.expire_at
    deadline = onboarding.remind_at if reminder_due else onboarding.expire_at
    seconds = max(1, math.ceil((deadline - now).total_seconds()))
    return WaitPlan(timeout_seconds=seconds, on_timeout="remind" if reminder_due else "expire")


def with_deadlines(onboarding: Onboarding, started_at: datetime) -> Onboarding:
    """The reminder and expiry deadlines, counted from ``started_at`` (Stripe's clock)."""
    return dataclasses.replace(
        onboarding,
        started_at=started_at,
        remind_at=started_at + timedelta(seconds=onboarding.remind_after_s),
        expire_at=started_at + timedelta(seconds=onboarding.expire_after_s),
    )
