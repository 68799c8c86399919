"""Seller onboarding's use cases: the API's (:class:`SellerOnboarding`) and the workflow steps'
(:class:`OnboardingSteps`, one method per state of ``statemachines/seller_onboarding.json``).

Every step can run twice (Lambda retries, a duplicated event): each one reads the stored
onboarding first and does nothing that was done already; Stripe gets an idempotency key derived
from the onboarding id, notifications a notification id derived from the business key.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workflows.notifications.model import Notification
from workflows.onboarding.contracts import (
    AccountCreated,
    Activated,
    Evaluated,
    NextWait,
    OnboardingClosed,
    Waiting,
)
from workflows.onboarding.errors import (
    OnboardingEnded,
    OnboardingExists,
    OnboardingNotFound,
    OnboardingNotReady,
    SellerAlreadyActive,
    SellerRejected,
    SellerRequirementsMissing,
)
from workflows.onboarding.model import (
    DISCONNECTED,
    AccountUpdate,
    Evaluation,
    Onboarding,
    is_stale,
    missing_requirements,
    newest_event,
    next_wait,
    outcome_of,
    standing_of,
    with_deadlines,
)
from workflows.onboarding.views import OnboardingLink, SellerOnboardingView
from workflows.shared.errors import IdempotencyKeyReused
from workflows.shared.ids import derived_id, new_id

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from workflows.notifications.model import NotificationPublisher
    from workflows.onboarding.commands import StartOnboarding
    from workflows.onboarding.model import AccountEvent
    from workflows.onboarding.ports import (
        ConnectedAccounts,
        ExecutionStarter,
        OnboardingStore,
        SellerGroups,
    )
    from workflows.shared.clock import Clock
    from workflows.shared.identity import Caller

SELLER_GROUP = "seller"
#: the profile's users.seller_status for each onboarding status
PROFILE_STATUS = {
    "onboarding": "onboarding",
    "restricted": "restricted",
    "active": "active",
    "rejected": "none",
    "expired": "none",
    "failed": "none",
}


@dataclass(frozen=True)
class LinkSettings:
    """Where Stripe's hosted page sends the seller back (refresh: the link expired)."""

    refresh_url: str
    return_url: str


@dataclass(frozen=True)
class OnboardingPolicy:
    remind_after_s: int
    expire_after_s: int
    #: how long POST /sellers waits for the workflow's onboarding link before answering without it
    link_wait_s: float = 5.0


def stripe_idempotency_key(onboarding_id: str, step: str) -> str:
    """Stripe's idempotency key for one step of one onboarding (the same on every retry)."""
    return f"seller-onboarding/{onboarding_id}/{step}"


class SellerOnboarding:
    """The API's side: start an onboarding, read it, get a fresh onboarding link."""

    def __init__(
        self,
        *,
        store: OnboardingStore,
        accounts: Callable[[], ConnectedAccounts],
        start_execution: ExecutionStarter,
        clock: Clock,
        policy: OnboardingPolicy,
        links: LinkSettings,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._accounts = accounts  # built on first use: reading an onboarding needs no Stripe key
        self._start_execution = start_execution
        self._clock = clock
        self._policy = policy
        self._links = links
        self._sleep = sleep
        self._monotonic = monotonic

    def start(
        self,
        caller: Caller,
        request: StartOnboarding,
        *,
        idempotency_key: str | None = None,
        email_verified_claim: str | None = None,
    ) -> SellerOnboardingView:
        """The onboarding started now, or the caller's onboarding in progress (idempotent)."""
        fingerprint = request.fingerprint()
        if idempotency_key:
            onboarding_id = derived_id("seller-onboarding", caller.user_id, idempotency_key)
            replayed = self._store.get(onboarding_id)
            if replayed is not None:
                if replayed.request_fingerprint != fingerprint:
                    raise IdempotencyKeyReused("This Idempotency-Key was used with a different body.")
                return self._answer(replayed)
        else:
            onboarding_id = new_id()

        current = self._store.current(caller.user_id)
        applicant = self._store.applicant(caller.user_id)
        already_seller = applicant is not None and applicant.seller_status == "active"
        if (current is not None and current.status == "active") or already_seller or caller.has(SELLER_GROUP):
            raise SellerAlreadyActive("This account is a seller already.")
        if current is not None and current.live:
            return self._answer(current)
        if current is not None and current.status == "rejected":
            raise SellerRejected(
                "Stripe rejected this seller account; contact support.",
                details={"onboarding_id": current.onboarding_id, "reason": current.disabled_reason},
            )
        missing = missing_requirements(applicant, email_verified_claim=email_verified_claim)
        if missing:
            raise SellerRequirementsMissing(
                "Selling needs " + ", ".join(_WORDS[m] for m in missing) + " first.",
                details={"missing": missing},
            )

        now = self._clock.now()
        onboarding = Onboarding(
            onboarding_id=onboarding_id,
            user_id=caller.user_id,
            country=request.country,
            business_type=request.business_type,
            default_currency=request.default_currency,
            request_fingerprint=fingerprint,
            idempotency_key=idempotency_key,
            remind_after_s=self._policy.remind_after_s,
            expire_after_s=self._policy.expire_after_s,
            created_at=now,
            updated_at=now,
        )
        try:
            self._store.create(onboarding)
        except OnboardingExists:
            # a concurrent POST /sellers of the same user won: answer its onboarding
            winner = self._store.current(caller.user_id)
            if winner is None:
                raise
            return self._answer(winner)
        return self._answer(onboarding)

    def mine(self, caller: Caller) -> SellerOnboardingView:
        current = self._store.current(caller.user_id)
        if current is None:
            raise OnboardingNotFound("You have not started a seller onboarding (POST /sellers).")
        return current.view()

    def fresh_link(self, caller: Caller) -> OnboardingLink:
        """A new hosted onboarding link (Stripe's links are short-lived and used once)."""
        current = self._store.current(caller.user_id)
        if current is None:
            raise OnboardingNotFound("You have not started a seller onboarding (POST /sellers).")
        if current.status == "active":
            raise SellerAlreadyActive("This account is a seller already.")
        if not current.live:
            raise OnboardingEnded(
                f"This onboarding is {current.status}; start a new one with POST /sellers.",
                details={"status": current.status},
            )
        if current.stripe_account_id is None:
            raise OnboardingNotReady("The seller account is being created; ask again in a moment.")
        link = self._accounts().create_onboarding_link(
            current.stripe_account_id, refresh_url=self._links.refresh_url, return_url=self._links.return_url
        )
        latest = self._store.get(current.onboarding_id) or current
        self._store.save(
            dataclasses.replace(
                latest,
                onboarding_url=link.url,
                onboarding_url_expires_at=link.expires_at,
                updated_at=self._clock.now(),
            )
        )
        return OnboardingLink(
            onboarding_id=current.onboarding_id, onboarding_url=link.url, expires_at=link.expires_at
        )

    def _answer(self, onboarding: Onboarding) -> SellerOnboardingView:
        """(Re)start the workflow if it has not run yet, and answer with its link when it comes."""
        if onboarding.status == "onboarding" and onboarding.stripe_account_id is None:
            self._start_execution(onboarding.onboarding_id, onboarding.execution_input())
            onboarding = self._await_link(onboarding)
        return onboarding.view()

    def _await_link(self, onboarding: Onboarding) -> Onboarding:
        deadline = self._monotonic() + self._policy.link_wait_s
        while onboarding.onboarding_url is None and onboarding.status == "onboarding":
            if self._monotonic() >= deadline:
                break
            self._sleep(0.05)
            onboarding = self._store.get(onboarding.onboarding_id) or onboarding
        return onboarding


_WORDS = {
    "email_confirmed": "a confirmed email address (POST /auth/confirm)",
    "phone_verified": "a verified phone number (POST /me/phone/verification)",
    "address": "an address (POST /me/addresses)",
}


class OnboardingSteps:
    """The seller_onboarding state machine's steps."""

    def __init__(
        self,
        *,
        store: OnboardingStore,
        accounts: Callable[[], ConnectedAccounts],
        groups: Callable[[], SellerGroups],
        notifications: Callable[[], NotificationPublisher],
        clock: Clock,
        links: LinkSettings,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._groups = groups
        self._notifications = notifications
        self._clock = clock
        self._links = links

    def _get(self, onboarding_id: str) -> Onboarding:
        onboarding = self._store.get(onboarding_id)
        if onboarding is None:
            raise OnboardingNotFound(f"no onboarding {onboarding_id}")
        return onboarding

    def _save(self, onboarding: Onboarding, *, profile: bool = False, **changes: Any) -> Onboarding:
        updated = dataclasses.replace(onboarding, **changes, updated_at=self._clock.now())
        self._store.save(updated, seller_status=PROFILE_STATUS[updated.status] if profile else None)
        return updated

    # -- "Create Connected Account" ----------------------------------------------------------

    def create_connected_account(self, onboarding_id: str) -> AccountCreated:
        onboarding = self._get(onboarding_id)
        if onboarding.stripe_account_id is not None:
            return AccountCreated(account_id=onboarding.stripe_account_id)
        applicant = self._store.applicant(onboarding.user_id)
        account = self._accounts().create_express_account(
            country=onboarding.country,
            business_type=onboarding.business_type,
            default_currency=onboarding.default_currency,
            email=applicant.email if applicant else None,
            metadata={"user_id": onboarding.user_id, "onboarding_id": onboarding_id},
            idempotency_key=stripe_idempotency_key(onboarding_id, "create-account"),
        )
        created = with_deadlines(
            dataclasses.replace(onboarding, stripe_account_id=account.account_id), account.created
        )
        self._save(created)
        return AccountCreated(account_id=account.account_id)

    # -- "Create Account Link" ---------------------------------------------------------------

    def create_account_link(self, onboarding_id: str) -> Waiting:
        onboarding = self._get(onboarding_id)
        started = onboarding.started_at
        if onboarding.stripe_account_id is None or started is None:
            raise OnboardingNotReady(f"onboarding {onboarding_id} has no connected account yet")
        if onboarding.onboarding_url is None:
            link = self._accounts().create_onboarding_link(
                onboarding.stripe_account_id,
                refresh_url=self._links.refresh_url,
                return_url=self._links.return_url,
            )
            onboarding = self._save(
                onboarding, onboarding_url=link.url, onboarding_url_expires_at=link.expires_at
            )
        # the first wait counts from the account's creation, on Stripe's clock
        return Waiting(wait=NextWait.of(next_wait(onboarding, started)))

    # -- "Evaluate Account" ------------------------------------------------------------------

    def evaluate_account(self, onboarding_id: str, event: AccountEvent) -> Evaluated:
        """What the account is now, at Stripe, after an ``account.updated``; the outcome decides
        where the workflow goes. The event only says which account and when: its payload's
        state (which anyone who can put an event on the bus could forge) is never used."""
        onboarding = self._get(onboarding_id)
        evaluation = self._evaluate(onboarding, event)
        # an outcome that ends the wait still carries a plan: the state machine reads one always
        plan = evaluation.wait or next_wait(onboarding, event.occurred_at)
        return Evaluated(outcome=evaluation.outcome, wait=NextWait.of(plan))

    def _evaluate(self, onboarding: Onboarding, event: AccountEvent) -> Evaluation:
        if event.account_id != onboarding.stripe_account_id:
            raise OnboardingNotFound(f"event {event.event_id} is about another account")
        if onboarding.status == "active" or onboarding.onboarded:
            return Evaluation("active")  # a retried step after the activation was recorded
        if not onboarding.live or is_stale(onboarding, event):
            clock = max(event.occurred_at, onboarding.last_event_at or event.occurred_at)
            return Evaluation("stale", next_wait(onboarding, clock))
        update = AccountUpdate.at_source(event, self._accounts().retrieve_account(event.account_id))
        outcome = outcome_of(update)
        status = {"rejected": "rejected", "restricted": "restricted"}.get(outcome, onboarding.status)
        updated = self._save(
            onboarding,
            profile=status != onboarding.status,
            status=status,
            charges_enabled=update.charges_enabled,
            payouts_enabled=update.payouts_enabled,
            details_submitted=update.details_submitted,
            requirements_due=update.requirements_due,
            disabled_reason=update.disabled_reason,
            **newest_event(onboarding, event),
            ended_at=update.occurred_at if outcome == "rejected" else None,
        )
        if outcome == "rejected":
            self._notify(updated, "rejected", {"reason": _reason(update.disabled_reason)})
            return Evaluation("rejected")
        if outcome == "restricted" and update.requirements_due != onboarding.requirements_due:
            self._notify(
                updated,
                "restricted",
                {"requirements": ", ".join(update.requirements_due) or "nothing yet"},
                key="/".join(update.requirements_due),
            )
        if outcome == "active":
            return Evaluation("active")
        # the wait counts on Stripe's clock from the newest event handled (an older one: from that)
        return Evaluation(outcome, next_wait(updated, updated.last_event_at or update.occurred_at))

    # -- "Activate Seller" -------------------------------------------------------------------

    def activate_seller(self, onboarding_id: str) -> Activated:
        """The seller joins the group and the profile becomes active; ``activated`` says whether
        this run did it (a retry after the activation was recorded changes nothing)."""
        onboarding = self._get(onboarding_id)
        # the group first: a retry after a failure here finds the profile not yet active
        self._groups().add_to_group(onboarding.user_id, SELLER_GROUP)
        activated = onboarding.activated_at is None
        if activated:
            now = self._clock.now()
            onboarding = self._save(onboarding, profile=True, status="active", ended_at=now, activated_at=now)
        self._notify(onboarding, "completed", {})
        return Activated(user_id=onboarding.user_id, activated=activated)

    # -- "Send Reminder" ---------------------------------------------------------------------

    def send_reminder(self, onboarding_id: str) -> Waiting:
        onboarding = self._get(onboarding_id)
        remind_at, expire_at = onboarding.remind_at, onboarding.expire_at
        if remind_at is None or expire_at is None:
            raise OnboardingNotReady(f"onboarding {onboarding_id} has no deadlines yet")
        if onboarding.reminded_at is None:
            # the wait timed out at the reminder's deadline: that is the time on Stripe's clock
            onboarding = self._save(onboarding, reminded_at=onboarding.remind_at)
        if onboarding.live:
            self._notify(
                onboarding,
                "reminder",
                {"continue_url": self._links.refresh_url, "expires_at": _day(expire_at)},
            )
        return Waiting(wait=NextWait.of(next_wait(onboarding, onboarding.reminded_at or remind_at)))

    # -- "Expire Onboarding" -----------------------------------------------------------------

    def expire_onboarding(self, onboarding_id: str) -> OnboardingClosed:
        onboarding = self._get(onboarding_id)
        if onboarding.live and onboarding.status != "active" and not onboarding.onboarded:
            onboarding = self._save(
                onboarding, profile=True, status="expired", ended_at=onboarding.expire_at or self._clock.now()
            )
        if onboarding.status == "expired":
            self._notify(onboarding, "expired", {})
        return OnboardingClosed(status=onboarding.status)

    # -- "Mark Onboarding Failed" ------------------------------------------------------------

    def mark_failed(self, onboarding_id: str, error: str | None) -> OnboardingClosed:
        """The compensation of a step that could not be done: free the user to start again."""
        onboarding = self._store.get(onboarding_id)
        if onboarding is None:
            return OnboardingClosed(status="unknown", error=error)
        if onboarding.live and onboarding.status != "active" and not onboarding.onboarded:
            if onboarding.activated_at is None:
                # Activate Seller adds the group before it records the activation: a failure in
                # between must not leave a member of the seller group who is no seller
                self._groups().remove_from_group(onboarding.user_id, SELLER_GROUP)
            onboarding = self._save(onboarding, profile=True, status="failed", ended_at=self._clock.now())
        return OnboardingClosed(status=onboarding.status, error=error)

    def _notify(self, onboarding: Onboarding, what: str, data: dict[str, Any], *, key: str = "") -> None:
        self._notifications().publish(
            Notification(
                notification_id=derived_id("seller-onboarding", onboarding.onboarding_id, what, key),
                type=f"seller_onboarding.{what}",
                category="account",
                channels=("email",),
                user_id=onboarding.user_id,
                data=data,
            )
        )


class SellerAccounts:
    """Sellers who finished onboarding, followed for as long as they sell: every ``account.updated``
    (or ``account.application.deauthorized``) of their connected account reads the account at
    Stripe and moves the seller between ``active`` and ``restricted`` (charges or payouts
    disabled). A restricted seller lists nothing new, sells nothing and is paid nothing until
    Stripe enables the account again (``SellerStandings`` tells the catalog, checkout and payouts),
    and is emailed what Stripe requires.

    Accounts still onboarding are the seller_onboarding workflow's, and left alone here.
    """

    def __init__(
        self,
        *,
        store: OnboardingStore,
        accounts: Callable[[], ConnectedAccounts],
        notifications: Callable[[], NotificationPublisher],
        clock: Clock,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._notifications = notifications
        self._clock = clock

    def on_account_event(self, event: AccountEvent) -> dict[str, Any]:
        onboarding = self._store.of_account(event.account_id)
        if onboarding is None:
            return {"outcome": "ignored", "reason": "unknown_account"}
        summary: dict[str, Any] = {"onboarding_id": onboarding.onboarding_id}
        if not onboarding.onboarded:
            return {**summary, "outcome": "ignored", "reason": "onboarding"}
        if is_stale(onboarding, event):
            return {**summary, "outcome": "stale", "status": onboarding.status}
        state = self._accounts().retrieve_account(event.account_id)
        status = standing_of(state)
        updated = dataclasses.replace(
            onboarding,
            status=status,
            charges_enabled=state.charges_enabled,
            payouts_enabled=state.payouts_enabled,
            details_submitted=state.details_submitted,
            requirements_due=state.requirements_due,
            disabled_reason=state.disabled_reason,
            **newest_event(onboarding, event),
            updated_at=self._clock.now(),
        )
        self._store.save(updated, seller_status=PROFILE_STATUS[status])
        told = (onboarding.status, onboarding.requirements_due, onboarding.disabled_reason)
        if status == "restricted" and told != (status, state.requirements_due, state.disabled_reason):
            self._notify(
                updated,
                "restricted",
                event,
                {
                    "requirements": ", ".join(state.requirements_due) or "nothing listed yet",
                    "reason": _restriction(state.disabled_reason),
                },
            )
        elif status == "active" and onboarding.status != "active":
            self._notify(updated, "reinstated", event, {})
        return {**summary, "outcome": status, "previous": onboarding.status}

    def _notify(self, onboarding: Onboarding, what: str, event: AccountEvent, data: dict[str, Any]) -> None:
        self._notifications().publish(
            Notification(
                notification_id=derived_id("seller-account", onboarding.onboarding_id, what, event.event_id),
                type=f"seller_account.{what}",
                category="account",
                channels=("email",),
                user_id=onboarding.user_id,
                data=data,
            )
        )


def _restriction(disabled_reason: str | None) -> str:
    if disabled_reason == DISCONNECTED:
        return "the Stripe account was disconnected from Resale"
    reason = (disabled_reason or "").split(".", 1)
    return {
        "requirements": "information Stripe asked for is overdue",
        "rejected": "Stripe closed the account",
        "under_review": "Stripe is reviewing the account",
        "listed": "Stripe is reviewing the account",
        "platform_paused": "payouts are paused",
    }.get(reason[0], "Stripe disabled charges or payouts")


def _day(moment: datetime) -> str:
    return moment.strftime("%d %B %Y, %H:%M UTC")


def _reason(disabled_reason: str | None) -> str:
    reason = (disabled_reason or "").removeprefix("rejected.")
    return {
        "fraud": "suspected fraud",
        "terms_of_service": "a breach of the terms of service",
        "listed": "a listing on a prohibited persons list",
    }.get(reason, "other reasons")
