"""The payout and onboarding step handlers: the Payload parsed with the state's input model, the
service's model returned as JSON, and a business metric counted once per business event (not
per retry that found the work done)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lambdas.steps.onboarding import activate_seller
from lambdas.steps.payouts import check_payout, transfer_to_seller
from lambdas.wiring import onboarding, payouts
from tests.fakes.lambda_runtime import Answers, Context
from workflows.onboarding.contracts import Activated
from workflows.payouts.contracts import (
    FulfilmentChecked,
    HoldsApplied,
    PayoutChecked,
    SellerNotified,
    Transferred,
)
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
    told = SellerNotified(seller_id="s-1")
    service = Answers(sent, told, sent.model_copy(update={"created": False}), told)
    payouts.wiring().service = service  # type: ignore[assignment]
    first = transfer_to_seller.handler({"order_id": "o-1"}, Context())
    again = transfer_to_seller.handler({"order_id": "o-1"}, Context())
    assert first == {"transfer_id": "tr_1", "amount": 837, "currency": "EUR", "created": True}
    assert again["created"] is False
    assert counted == [("PayoutsSent", {"currency": "EUR"})]
    # the seller is told on every run (the notice's id is the order's: it is sent once)
    assert [c[:2] for c in service.calls] == [("transfer", ("o-1",)), ("notify_seller", ("o-1",))] * 2


def test_given_a_notice_that_cannot_be_sent_then_the_transfer_still_answers_sent() -> None:
    class Failing:
        def transfer(self, order_id: str) -> Transferred:
            return Transferred(transfer_id="tr_1", amount=837, currency="EUR", created=False)

        def notify_seller(self, order_id: str) -> SellerNotified:
            raise RuntimeError("the notifications topic is gone")

    payouts.wiring().service = Failing()  # type: ignore[assignment]
    assert transfer_to_seller.handler({"order_id": "o-1"}, Context())["transfer_id"] == "tr_1"


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


DELIVERED = FulfilmentChecked(stage="delivered", status="delivered", auto_confirm_in_s=0)


def test_given_a_new_sellers_hold_then_check_payout_says_it_is_served_once_waited() -> None:
    hold = HoldsApplied.of(HoldDecision("hold", reason="new_seller", wait_s=600), hold_served=False)
    first = PayoutChecked.of(DELIVERED, hold, hold_served=False)
    assert (first.next, first.reason, first.wait_s, first.hold_served) == ("hold", "new_seller", 600, True)
    then = PayoutChecked.of(
        DELIVERED, HoldsApplied.of(HoldDecision("transfer"), hold_served=True), hold_served=True
    )
    assert (then.next, then.wait_s, then.hold_served) == ("transfer", 0, True)


@pytest.mark.parametrize(
    ("stage", "wanted"),
    [("awaiting_shipment", "await_shipment"), ("shipped", "await_delivery"), ("cancelled", "stop")],
)
def test_given_an_order_before_delivery_then_its_stage_says_what_the_payout_does(
    stage: str, wanted: str
) -> None:
    checked = FulfilmentChecked(stage=stage, status="x", auto_confirm_in_s=120 if stage == "shipped" else 0)  # type: ignore[arg-type]
    answer = PayoutChecked.of(checked, None, hold_served=False)
    assert (answer.next, answer.auto_confirm_in_s) == (wanted, checked.auto_confirm_in_s)


def test_given_the_check_payout_step_then_it_passes_the_hold_served_and_answers_json() -> None:
    answer = PayoutChecked(next="await_delivery", status="shipped", auto_confirm_in_s=60, hold_served=True)
    service = Answers(answer)
    payouts.wiring().service = service  # type: ignore[assignment]
    assert check_payout.handler({"order_id": "o-1", "hold_served": True}, Context()) == answer.model_dump(
        mode="json"
    )
    assert service.calls == [("check_payout", ("o-1",), {"hold_served": True})]


def test_given_a_payload_with_a_key_the_contract_has_not_then_the_step_refuses_it() -> None:
    payouts.wiring().service = Answers()  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        transfer_to_seller.handler({"order_id": "o-1", "amount": 5}, Context())
