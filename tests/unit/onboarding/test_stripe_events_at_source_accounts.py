"""Onboarding acts on the account Stripe has, never on what an account.updated's payload claims."""

from __future__ import annotations

from tests.unit.onboarding.test_onboarding_service import ENABLED, World, event

DUE = ["individual.verification.document"]


def test_given_a_forged_enabled_event_for_an_account_stripe_restricts_then_no_activation() -> None:
    w = World()
    onboarding_id, account = w.started()
    # Given Stripe says the account is restricted (payouts disabled, a document due)
    w.stripe.set_state(account, charges_enabled=True, details_submitted=True, requirements_due=DUE)
    # When an event claims charges and payouts are enabled
    out = w.steps.evaluate_account(onboarding_id, event(account, 1, 60, **ENABLED))
    # Then the account was read at Stripe, and Stripe's answer decided: restricted, no seller group
    assert w.stripe.retrieved == [account]
    assert out.outcome == "restricted"
    row = w.store.get(onboarding_id)
    assert (row.status, row.payouts_enabled, row.requirements_due) == ("restricted", False, tuple(DUE))
    assert w.store.seller_status["u1"] == "restricted" and w.groups.members == {}


def test_given_a_stale_event_claiming_nothing_enabled_when_stripe_enabled_it_then_active() -> None:
    w = World()
    onboarding_id, account = w.started()
    w.stripe.set_state(account, **ENABLED)
    # The payload says nothing is enabled (an old copy); Stripe says everything is
    assert w.steps.evaluate_account(onboarding_id, event(account, 1, 60)).outcome == "active"
    row = w.store.get(onboarding_id)
    assert row.charges_enabled and row.payouts_enabled


def test_given_a_forged_rejection_for_an_account_stripe_has_not_rejected_then_no_rejection() -> None:
    w = World()
    onboarding_id, account = w.started()
    forged = event(account, 1, 60, details_submitted=True, disabled_reason="rejected.fraud")
    assert w.steps.evaluate_account(onboarding_id, forged).outcome == "pending"
    assert w.store.get(onboarding_id).status == "onboarding"
    assert "seller_onboarding.rejected" not in w.outbox.types()
