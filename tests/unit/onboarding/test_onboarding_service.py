"""Seller onboarding's rules and use cases with fakes: the API side and each workflow step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.fakes.clock import T0, FakeClock
from tests.unit.onboarding.fakes import FakeGroups, FakePublisher, FakeStarter, FakeStore, FakeStripe
from workflows.onboarding.commands import StartOnboarding
from workflows.onboarding.contracts import AccountEventSummary, EvaluateAccountStep
from workflows.onboarding.errors import (
    OnboardingEnded,
    OnboardingNotFound,
    OnboardingNotReady,
    SellerAlreadyActive,
    SellerRejected,
    SellerRequirementsMissing,
)
from workflows.onboarding.model import AccountEvent, missing_requirements, next_wait
from workflows.onboarding.service import (
    LinkSettings,
    OnboardingPolicy,
    OnboardingSteps,
    SellerOnboarding,
    stripe_idempotency_key,
)
from workflows.shared.errors import IdempotencyKeyReused
from workflows.shared.identity import Caller

DAY = 86_400
LINKS = LinkSettings(refresh_url="https://resale.example/refresh", return_url="https://resale.example/done")
REQUEST = StartOnboarding(country="US", business_type="individual", default_currency="USD")


class World:
    def __init__(self, *, remind: int = 3 * DAY, expire: int = 14 * DAY) -> None:
        self.clock = FakeClock()
        self.store = FakeStore()
        self.stripe = FakeStripe(self.clock)
        self.groups = FakeGroups()
        self.outbox = FakePublisher()
        self.starter = FakeStarter()
        self.api = SellerOnboarding(
            store=self.store,
            accounts=lambda: self.stripe,
            start_execution=self.starter,
            clock=self.clock,
            policy=OnboardingPolicy(remind_after_s=remind, expire_after_s=expire, link_wait_s=0),
            links=LINKS,
            sleep=lambda _: None,
        )
        self.steps = OnboardingSteps(
            store=self.store,
            accounts=lambda: self.stripe,
            groups=lambda: self.groups,
            notifications=lambda: self.outbox,
            clock=self.clock,
            links=LINKS,
        )

    def caller(self, user_id: str = "u1", roles: tuple[str, ...] = ("buyer",)) -> Caller:
        return Caller(user_id=user_id, email=f"{user_id}@example.com", roles=frozenset(roles))

    def event(self, account: str, n: int, at_s: int, **state: Any) -> AccountEvent:
        """Stripe changes the account, and says so in an account.updated (whose payload agrees)."""
        self.stripe.set_state(account, **state)
        return event(account, n, at_s, **state)

    def started(self, user_id: str = "u1") -> tuple[str, str]:
        """An onboarding through its first two steps: (onboarding id, account id)."""
        self.store.add_applicant(user_id)
        view = self.api.start(self.caller(user_id), REQUEST)
        account = self.steps.create_connected_account(view.onboarding_id).account_id
        self.steps.create_account_link(view.onboarding_id)
        return view.onboarding_id, account


def event(account: str, n: int, at_s: int, **state: Any) -> AccountEvent:
    """An account.updated as Evaluate Account gets it: the wait's result carries the summary (its
    payload's state: whatever it claims), and the state machine hands the step only which event,
    which account and when (the step's contract has no field for the claims)."""
    summary = AccountEventSummary.model_validate(
        {
            "event_id": f"evt_{n}",
            "event_type": "account.updated",
            "occurred_at": int((T0 + timedelta(seconds=at_s)).timestamp()),
            "account_id": account,
            **state,
        }
    )
    step = EvaluateAccountStep(
        onboarding_id="o",
        event_id=summary.event_id,
        account_id=summary.account_id,
        occurred_at=summary.occurred_at,
    )
    return step.account_event()


ENABLED = {"charges_enabled": True, "payouts_enabled": True, "details_submitted": True}


# -- requirements ---------------------------------------------------------------------------------


def test_given_a_profile_without_phone_and_address_then_409_names_what_is_missing() -> None:
    w = World()
    w.store.add_applicant("u1", phone_verified=False, has_address=False)
    with pytest.raises(SellerRequirementsMissing) as raised:
        w.api.start(w.caller(), REQUEST)
    assert raised.value.details == {"missing": ["phone_verified", "address"]}
    assert w.store.rows == {} and w.starter.calls == 0


def test_given_the_missing_rules_then_each_fact_is_named() -> None:
    assert missing_requirements(None, email_verified_claim=None) == ["phone_verified", "address"]
    w = World()
    pending = w.store.add_applicant("u1", email_confirmation_pending=True)
    assert missing_requirements(pending, email_verified_claim=None) == ["email_confirmed"]
    ready = w.store.add_applicant("u2")
    assert missing_requirements(ready, email_verified_claim="false") == ["email_confirmed"]
    assert missing_requirements(ready, email_verified_claim="true") == []


# -- starting ----------------------------------------------------------------------------------


def test_given_a_ready_buyer_when_posting_then_the_workflow_starts_named_by_the_onboarding_id() -> None:
    w = World()
    w.store.add_applicant("u1")
    view = w.api.start(w.caller(), REQUEST)
    assert view.status == "onboarding" and view.status_url == "/sellers/me"
    assert w.starter.started == {
        view.onboarding_id: {
            "onboarding_id": view.onboarding_id,
            "user_id": "u1",
            "remind_after_seconds": 3 * DAY,
            "expire_after_seconds": 14 * DAY,
        }
    }
    assert w.store.seller_status["u1"] == "onboarding"


def test_given_an_onboarding_in_progress_when_posting_again_then_the_same_one_is_answered() -> None:
    w = World()
    onboarding_id, _ = w.started()
    again = w.api.start(
        w.caller(), StartOnboarding(country="GB", business_type="company", default_currency="GBP")
    )
    assert again.onboarding_id == onboarding_id and again.country == "US"
    assert len(w.store.rows) == 1


def test_given_an_idempotency_key_then_a_replay_answers_the_first_and_another_body_is_refused() -> None:
    w = World()
    w.store.add_applicant("u1")
    first = w.api.start(w.caller(), REQUEST, idempotency_key="k-1")
    assert w.api.start(w.caller(), REQUEST, idempotency_key="k-1").onboarding_id == first.onboarding_id
    other = StartOnboarding(country="US", business_type="company", default_currency="USD")
    with pytest.raises(IdempotencyKeyReused):
        w.api.start(w.caller(), other, idempotency_key="k-1")


def test_given_an_active_seller_when_posting_then_409() -> None:
    w = World()
    w.store.add_applicant("u1")
    with pytest.raises(SellerAlreadyActive):
        w.api.start(w.caller(roles=("buyer", "seller")), REQUEST)
    onboarding_id, account = w.started("u2")
    w.steps.evaluate_account(onboarding_id, w.event(account, 1, 10, **ENABLED))
    w.steps.activate_seller(onboarding_id)
    with pytest.raises(SellerAlreadyActive):
        w.api.start(w.caller("u2"), REQUEST)


def test_given_no_onboarding_then_reading_it_or_asking_a_link_is_404() -> None:
    w = World()
    w.started("owner")
    with pytest.raises(OnboardingNotFound):
        w.api.mine(w.caller("other"))
    with pytest.raises(OnboardingNotFound):
        w.api.fresh_link(w.caller("other"))


def test_given_the_account_not_created_yet_then_a_fresh_link_is_not_ready() -> None:
    w = World()
    w.store.add_applicant("u1")
    w.api.start(w.caller(), REQUEST)
    with pytest.raises(OnboardingNotReady):
        w.api.fresh_link(w.caller())


def test_given_a_started_onboarding_then_a_fresh_link_replaces_the_stored_one() -> None:
    w = World()
    onboarding_id, _ = w.started()
    first = w.store.get(onboarding_id).onboarding_url
    link = w.api.fresh_link(w.caller())
    assert link.onboarding_url != first and w.store.get(onboarding_id).onboarding_url == link.onboarding_url


# -- steps ---------------------------------------------------------------------------------------


def test_given_the_create_step_run_twice_then_one_account_with_the_derived_key() -> None:
    w = World()
    w.store.add_applicant("u1")
    view = w.api.start(w.caller(), REQUEST)
    first = w.steps.create_connected_account(view.onboarding_id)
    w.store.rows[view.onboarding_id] = w.store.rows[view.onboarding_id]  # a retry reads the row again
    assert w.steps.create_connected_account(view.onboarding_id) == first
    assert list(w.stripe.accounts) == [stripe_idempotency_key(view.onboarding_id, "create-account")]


def test_given_the_link_step_then_the_first_wait_lasts_until_the_reminder() -> None:
    w = World(remind=600, expire=1800)
    onboarding_id, _ = w.started()
    out = w.steps.create_account_link(onboarding_id)
    assert out.wait.model_dump() == {"timeout_seconds": 600, "on_timeout": "remind"}


def test_given_enabled_charges_and_payouts_then_active_and_the_seller_group() -> None:
    w = World()
    onboarding_id, account = w.started()
    assert w.steps.evaluate_account(onboarding_id, w.event(account, 1, 60, **ENABLED)).outcome == "active"
    assert w.steps.activate_seller(onboarding_id).activated
    assert not w.steps.activate_seller(onboarding_id).activated  # a retry changes nothing
    assert w.groups.members == {"seller": {"u1"}}
    assert w.store.get(onboarding_id).status == "active" and w.store.seller_status["u1"] == "active"
    assert w.outbox.types() == ["seller_onboarding.completed"]


def test_given_activation_failing_after_the_group_then_the_compensation_takes_the_group_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = World()
    onboarding_id, account = w.started()
    assert w.steps.evaluate_account(onboarding_id, w.event(account, 1, 60, **ENABLED)).outcome == "active"
    # Given Activate Seller added the group, then could not record the activation (for good)
    with monkeypatch.context() as broken:
        broken.setattr(w.store, "save", lambda *a, **k: (_ for _ in ()).throw(TimeoutError("db")))
        with pytest.raises(TimeoutError):
            w.steps.activate_seller(onboarding_id)
    assert w.groups.members == {"seller": {"u1"}}
    # When the machine's Catch runs the compensation
    assert w.steps.mark_failed(onboarding_id, "TimeoutError").status == "failed"
    # Then the user is no member of the seller group, and may start again
    assert w.groups.members == {"seller": set()}
    assert w.store.seller_status["u1"] == "none"
    assert w.api.start(w.caller(), REQUEST).onboarding_id != onboarding_id


def test_given_an_active_seller_then_the_compensation_never_takes_the_group() -> None:
    w = World()
    onboarding_id, account = w.started()
    w.steps.evaluate_account(onboarding_id, w.event(account, 1, 60, **ENABLED))
    w.steps.activate_seller(onboarding_id)
    assert w.steps.mark_failed(onboarding_id, "Late").status == "active"
    assert w.groups.members == {"seller": {"u1"}}


def test_given_an_older_not_enabled_event_after_the_enabled_one_then_it_changes_nothing() -> None:
    w = World()
    onboarding_id, account = w.started()
    w.steps.evaluate_account(onboarding_id, w.event(account, 2, 120, **ENABLED))
    late = w.steps.evaluate_account(onboarding_id, event(account, 1, 60, details_submitted=True))
    assert late.outcome in {"stale", "active"}
    w.steps.activate_seller(onboarding_id)
    again = w.steps.evaluate_account(onboarding_id, event(account, 1, 60, details_submitted=True))
    assert again.outcome == "active"
    row = w.store.get(onboarding_id)
    assert (row.status, row.charges_enabled, row.payouts_enabled, row.last_event_id) == (
        "active",
        True,
        True,
        "evt_2",
    )


def test_given_a_duplicated_event_then_it_is_stale_and_notifies_once() -> None:
    w = World()
    onboarding_id, account = w.started()
    restricted = w.event(
        account,
        1,
        60,
        charges_enabled=True,
        details_submitted=True,
        requirements_due=["individual.id_number"],
    )
    assert w.steps.evaluate_account(onboarding_id, restricted).outcome == "restricted"
    assert w.steps.evaluate_account(onboarding_id, restricted).outcome == "stale"
    assert w.outbox.types() == ["seller_onboarding.restricted"]
    row = w.store.get(onboarding_id)
    assert row.status == "restricted" and row.requirements_due == ("individual.id_number",)
    assert w.store.seller_status["u1"] == "restricted"


def test_given_a_rejected_account_then_rejected_with_the_reason_and_no_new_onboarding() -> None:
    w = World()
    onboarding_id, account = w.started()
    out = w.steps.evaluate_account(
        onboarding_id, w.event(account, 1, 60, details_submitted=True, disabled_reason="rejected.fraud")
    )
    assert out.outcome == "rejected"
    assert w.store.get(onboarding_id).status == "rejected" and w.store.seller_status["u1"] == "none"
    assert w.outbox.types() == ["seller_onboarding.rejected"]
    with pytest.raises(SellerRejected):
        w.api.start(w.caller(), REQUEST)


def test_given_a_pending_event_then_the_wait_continues_to_the_same_deadline() -> None:
    w = World(remind=600, expire=1800)
    onboarding_id, account = w.started()
    out = w.steps.evaluate_account(onboarding_id, w.event(account, 1, 100))
    assert out.model_dump() == {
        "outcome": "pending",
        "wait": {"timeout_seconds": 500, "on_timeout": "remind"},
    }


def test_given_the_reminder_then_the_next_wait_ends_at_the_expiry_and_expiry_frees_the_user() -> None:
    w = World(remind=600, expire=1800)
    onboarding_id, _ = w.started()
    assert w.steps.send_reminder(onboarding_id).model_dump() == {
        "wait": {"timeout_seconds": 1200, "on_timeout": "expire"}
    }
    w.steps.send_reminder(onboarding_id)  # a retry sends nothing more
    assert w.steps.expire_onboarding(onboarding_id).status == "expired"
    assert w.outbox.types() == ["seller_onboarding.reminder", "seller_onboarding.expired"]
    assert w.store.seller_status["u1"] == "none"
    with pytest.raises(OnboardingEnded):
        w.api.fresh_link(w.caller())
    # and the user may start again
    assert w.api.start(w.caller(), REQUEST).onboarding_id != onboarding_id


def test_given_a_reminder_later_than_the_expiry_then_the_wait_goes_straight_to_the_expiry() -> None:
    w = World(remind=2000, expire=1800)
    onboarding_id, _ = w.started()
    row = w.store.get(onboarding_id)
    assert next_wait(row, row.started_at).on_timeout == "expire"


def test_given_a_failed_step_then_the_compensation_frees_the_user() -> None:
    w = World()
    onboarding_id, _ = w.started()
    assert w.steps.mark_failed(onboarding_id, "ConnectedAccountRefused").status == "failed"
    assert w.store.seller_status["u1"] == "none"
    assert w.steps.mark_failed("no-such-id", "X").status == "unknown"
