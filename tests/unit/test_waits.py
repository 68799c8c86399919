"""Resuming workflows from outside events, whatever order things happen in."""

from __future__ import annotations

import pytest

from adapters.stripe.events import to_outside_event
from tests.fakes.waits import InMemoryWaitingTasks, RecordingResponder
from workflows.payments.stripe_events import handle_stripe_event
from workflows.shared.errors import ContractError
from workflows.shared.waits import OutsideEvent, deliver_event, wait_for_event


def stripe_event(event_id: str, event_type: str, obj: dict, created: int = 1_700_000_000) -> dict:
    return {"id": event_id, "type": event_type, "created": created, "data": {"object": obj}}


def outside(event_id: str = "evt_1", occurred_at: int = 100) -> OutsideEvent:
    return OutsideEvent(
        event_id, "payment_intent.succeeded", "payment_intent:pi_1", occurred_at, {"status": "ok"}
    )


def test_given_a_waiting_task_when_its_event_arrives_then_it_is_resumed_with_the_summary() -> None:
    waiting, responder = InMemoryWaitingTasks(), RecordingResponder()
    assert (
        wait_for_event(waiting, responder, correlation_id="payment_intent:pi_1", task_token="tok", now=0)
        == "parked"
    )
    assert deliver_event(waiting, responder, outside(), now=1) == "resumed"
    assert responder.resumed == [("tok", outside().task_output())]


def test_given_an_event_before_the_wait_when_the_task_waits_then_it_resumes_at_once() -> None:
    waiting, responder = InMemoryWaitingTasks(), RecordingResponder()
    assert deliver_event(waiting, responder, outside(), now=1) == "parked"
    assert (
        wait_for_event(waiting, responder, correlation_id="payment_intent:pi_1", task_token="tok", now=2)
        == "resumed"
    )
    assert responder.resumed[0][0] == "tok"
    assert waiting.events == {}


def test_given_an_older_event_after_a_newer_one_when_parked_then_the_newer_one_is_kept() -> None:
    waiting, responder = InMemoryWaitingTasks(), RecordingResponder()
    deliver_event(waiting, responder, outside("evt_new", occurred_at=200), now=1)
    deliver_event(waiting, responder, outside("evt_old", occurred_at=100), now=1)
    assert waiting.events["payment_intent:pi_1"].event_id == "evt_new"


def test_given_a_task_that_timed_out_when_its_event_arrives_then_the_outcome_is_stale() -> None:
    waiting, responder = InMemoryWaitingTasks(), RecordingResponder(gone={"tok"})
    wait_for_event(waiting, responder, correlation_id="payment_intent:pi_1", task_token="tok", now=0)
    assert deliver_event(waiting, responder, outside(), now=1) == "stale"


def test_given_a_payment_failed_event_then_the_summary_says_why_without_card_data() -> None:
    event = stripe_event(
        "evt_9",
        "payment_intent.payment_failed",
        {
            "id": "pi_9",
            "object": "payment_intent",
            "status": "requires_payment_method",
            "amount": 2599,
            "currency": "usd",
            "last_payment_error": {
                "code": "card_declined",
                "message": "Your card was declined.",
                "payment_method": {"card": {"last4": "0002"}},
            },
        },
    )
    translated = to_outside_event(event)
    assert translated is not None
    assert translated.correlation_id == "payment_intent:pi_9"
    assert translated.summary["failure_code"] == "card_declined"
    assert translated.summary["currency"] == "USD"
    assert "0002" not in str(translated.task_output())


def test_given_an_account_updated_event_then_it_correlates_on_the_account_with_requirements() -> None:
    event = stripe_event(
        "evt_a",
        "account.updated",
        {
            "id": "acct_1",
            "charges_enabled": True,
            "payouts_enabled": False,
            "requirements": {"currently_due": ["external_account"], "past_due": [], "disabled_reason": None},
        },
    )
    translated = to_outside_event(event)
    assert translated is not None
    assert translated.correlation_id == "account:acct_1"
    assert translated.summary["requirements_due"] == ["external_account"]
    assert translated.summary["payouts_enabled"] is False


def test_given_a_charge_event_then_it_does_not_resume_a_payment_wait() -> None:
    # charge.succeeded comes with payment_intent.succeeded; only the latter decides a payment
    assert (
        to_outside_event(stripe_event("evt_c", "charge.succeeded", {"id": "ch_1", "payment_intent": "pi_7"}))
        is None
    )


def test_given_an_event_no_workflow_needs_then_it_is_ignored() -> None:
    waiting, responder = InMemoryWaitingTasks(), RecordingResponder()
    event = stripe_event("evt_x", "customer.created", {"id": "cus_1"})
    result = handle_stripe_event("evt_x", to_outside_event(event), waiting, responder, now=0)
    assert result["outcome"] == "ignored"


def test_given_a_malformed_event_then_it_is_a_contract_error() -> None:
    with pytest.raises(ContractError):
        to_outside_event({"id": "evt_1"})


def test_given_the_stripe_rule_then_it_routes_exactly_the_events_the_consumer_reads() -> None:
    from stacks.topology import TOPOLOGY
    from workflows.payments.stripe_events import RESUMING_EVENTS

    rule = next(r for r in TOPOLOGY.rules if r.name == "stripe-events")
    assert rule.event_pattern is not None
    assert set(rule.event_pattern["detail-type"]) == set(RESUMING_EVENTS)  # type: ignore[arg-type]


def test_given_a_payment_intent_created_event_then_no_wait_is_resumed() -> None:
    assert to_outside_event(stripe_event("evt_p", "payment_intent.created", {"id": "pi_1"})) is None
