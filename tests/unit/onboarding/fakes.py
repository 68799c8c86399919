"""Hand-written fakes of the onboarding ports (in memory, the same rules as the adapters)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from tests.fakes.clock import FakeClock
from workflows.onboarding.errors import OnboardingExists
from workflows.onboarding.model import (
    LIVE,
    AccountLink,
    AccountState,
    Applicant,
    ConnectedAccount,
    Onboarding,
)


class FakeStore:
    def __init__(self) -> None:
        self.applicants: dict[str, Applicant] = {}
        self.rows: dict[str, Onboarding] = {}
        self.seller_status: dict[str, str] = {}

    def add_applicant(self, user_id: str, **changes: Any) -> Applicant:
        base = Applicant(
            user_id=user_id,
            email=f"{user_id}@example.com",
            phone_verified=True,
            has_address=True,
            email_confirmation_pending=False,
            seller_status="none",
        )
        self.applicants[user_id] = dataclasses.replace(base, **changes)
        return self.applicants[user_id]

    def applicant(self, user_id: str) -> Applicant | None:
        applicant = self.applicants.get(user_id)
        if applicant is None:
            return None
        return dataclasses.replace(applicant, seller_status=self.seller_status.get(user_id, "none"))

    def get(self, onboarding_id: str) -> Onboarding | None:
        return self.rows.get(onboarding_id)

    def current(self, user_id: str) -> Onboarding | None:
        mine = [r for r in self.rows.values() if r.user_id == user_id]
        return max(mine, key=lambda r: r.created_at) if mine else None

    def of_account(self, account_id: str) -> Onboarding | None:
        return next((r for r in self.rows.values() if r.stripe_account_id == account_id), None)

    def restricted(self, seller_ids: Any) -> frozenset[str]:
        """``SellerStandings``: the profile statuses in which a seller may not sell."""
        return frozenset(u for u in seller_ids if self.seller_status.get(u) in {"restricted", "suspended"})

    def create(self, onboarding: Onboarding) -> None:
        if any(r.user_id == onboarding.user_id and r.status in LIVE for r in self.rows.values()):
            raise OnboardingExists("live onboarding")
        self.rows[onboarding.onboarding_id] = onboarding
        self.seller_status[onboarding.user_id] = "onboarding"

    def save(self, onboarding: Onboarding, *, seller_status: str | None = None) -> None:
        assert onboarding.onboarding_id in self.rows
        self.rows[onboarding.onboarding_id] = onboarding
        if seller_status is not None:
            self.seller_status[onboarding.user_id] = seller_status


class FakeStripe:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.accounts: dict[str, str] = {}  # idempotency key -> account id
        self.links: list[str] = []
        #: what Stripe says of each account now (a new account: nothing submitted, nothing enabled)
        self.states: dict[str, AccountState] = {}
        self.retrieved: list[str] = []

    def set_state(self, account_id: str, **state: Any) -> AccountState:
        """Stripe changes the account (its review, the seller's form, a restriction)."""
        due = tuple(state.pop("requirements_due", ()))
        state.pop("event_id", None)
        self.states[account_id] = AccountState(
            account_id=account_id,
            charges_enabled=bool(state.get("charges_enabled")),
            payouts_enabled=bool(state.get("payouts_enabled")),
            details_submitted=bool(state.get("details_submitted")),
            requirements_due=due,
            disabled_reason=state.get("disabled_reason"),
        )
        return self.states[account_id]

    def disconnect(self, account_id: str) -> None:
        self.states[account_id] = AccountState.disconnected(account_id)

    def retrieve_account(self, account_id: str) -> AccountState:
        self.retrieved.append(account_id)
        return self.states.get(account_id) or AccountState(account_id, False, False, False)

    def create_express_account(self, *, idempotency_key: str, **params: Any) -> ConnectedAccount:
        account_id = self.accounts.setdefault(idempotency_key, f"acct_{len(self.accounts) + 1:016d}")
        return ConnectedAccount(account_id=account_id, created=self.clock.now())

    def create_onboarding_link(self, account_id: str, *, refresh_url: str, return_url: str) -> AccountLink:
        url = f"https://connect.example/onboarding/{account_id}/{len(self.links) + 1}"
        self.links.append(url)
        now = self.clock.now()
        return AccountLink(url=url, created=now, expires_at=now + timedelta(minutes=5))


class FakeGroups:
    def __init__(self) -> None:
        self.members: dict[str, set[str]] = {}

    def add_to_group(self, user_id: str, group: str) -> None:
        self.members.setdefault(group, set()).add(user_id)

    def remove_from_group(self, user_id: str, group: str) -> None:
        self.members.get(group, set()).discard(user_id)


class FakePublisher:
    def __init__(self) -> None:
        self.sent: dict[str, Any] = {}

    def publish(self, notification: Any) -> None:
        self.sent.setdefault(notification.notification_id, notification)

    def types(self) -> list[str]:
        return [n.type for n in self.sent.values()]


class FakeStarter:
    def __init__(self) -> None:
        self.started: dict[str, dict[str, Any]] = {}
        self.calls = 0

    def __call__(self, name: str, execution_input: dict[str, Any]) -> None:
        self.calls += 1
        self.started.setdefault(name, execution_input)
