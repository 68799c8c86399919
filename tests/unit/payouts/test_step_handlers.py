"""The payout and onboarding step handlers: the Payload parsed with the state's input model, the
service's model returned as JSON, and a business metric counted once per business event (not
per retry that found the work done)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lambdas.steps.onboarding import activate_seller
from lambdas.steps.payouts import apply_holds, transfer_to_seller
from lambdas.wiring import onboarding, payouts
from tests.fakes.lambda_runtime import Answers, Context
from workflows.onboarding.contracts import Activated
from workflows.payouts.contracts import Transferred
from workflows.payouts.model import HoldDecision

pytestmark = pytest.mark.usefixtures("fresh_wiring")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str]]]:
    seen: list[tuple[str, dict[str, str]]] = []

    def count(event: str, value: int = 1, **dimensions: str) -> None:
        seen.append((event, dimensions))

    monkeypatch.setattr(transfer_to_seller, "count", count)
    monkeypatch.setattr(activate_seller, "count", count)
    return seen


def test_given_a_transfer_then_payouts_sent_is_counted_once_not_on_the_retry(
    counted: list[tuple[str, dict[str, str]]],
) -> None:
    sent = Transferred(transfer_id="tr_1", amount=837, currency="EUR", created=True)
    service = Answers(sent, sent.model_copy(update={"created": False}))
    payouts.wiring().service = service  # type: ignore[assignment]
    first = transfer_to_seller.handler({"order_id": "o-1"}, Context())
    again = transfer_to_seller.handler({"order_id": "o-1"}, Context())
    assert first == {"transfer_id": "tr_1", "amount": 837, "currency": "EUR", "created": True}
    assert again["created"] is False
    assert counted == [("PayoutsSent", {"currency": "EUR"})]
    assert [c[:2] for c in service.calls] == [("transfer", ("o-1",)), ("transfer", ("o-1",))]


def test_given_an_activation_then_onboardings_completed_is_counted_once(
    counted: list[tuple[str, dict[str, str]]],
) -> None:
    steps = Answers(Activated(user_id="u-1", activated=True), Activated(user_id="u-1", activated=False))
    onboarding.wiring().steps = steps  # type: ignore[assignment]
    event = {"onboarding_id": "ob-1", "execution": "ob-1"}
    assert activate_seller.handler(event, Context()) == {
        "status": "active",
        "user_id": "u-1",
        "activated": True,
    }
    activate_seller.handler(event, Context())
    assert counted == [("OnboardingsCompleted", {})]


def test_given_a_new_sellers_hold_then_apply_holds_says_it_is_served_once_waited() -> None:
    hold = HoldDecision("hold", reason="new_seller", wait_s=600)
    payouts.wiring().service = Answers(hold, HoldDecision("transfer"))  # type: ignore[assignment]
    first = apply_holds.handler({"order_id": "o-1", "hold_served": False}, Context())
    assert first == {"decision": "hold", "reason": "new_seller", "wait_s": 600, "hold_served": True}
    then = apply_holds.handler({"order_id": "o-1", "hold_served": True}, Context())
    assert then == {"decision": "transfer", "reason": None, "wait_s": 0, "hold_served": True}


def test_given_a_payload_with_a_key_the_contract_has_not_then_the_step_refuses_it() -> None:
    payouts.wiring().service = Answers()  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        transfer_to_seller.handler({"order_id": "o-1", "amount": 5}, Context())
