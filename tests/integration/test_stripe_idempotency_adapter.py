"""The Stripe adapters against the stand-in's idempotency: a refund request racing another with
its key (a Step Functions retry while the first is still running) is a ``TransientError``, so the
state machine retries it, and the retry gets the first request's refund."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import stripe

from adapters.providers import stripe_client
from adapters.stripe.refunds import StripeRefunds
from local.providers.stripe import StripeStandIn
from workflows.fulfilment.ports import RefundRequest, RefundResult
from workflows.shared.errors import TransientError
from workflows.shared.money import Money


def test_given_a_refund_in_flight_when_the_same_key_is_sent_again_then_transient_then_the_same_refund(
    standin: StripeStandIn,
) -> None:
    client = stripe_client(standin.secret_key, api_base=standin.url, max_network_retries=0)
    pi = client.v1.payment_intents.create(
        {"amount": 2_500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    request = RefundRequest(
        payment_intent_id=str(pi.id),
        amount=Money(2_500, "USD"),
        idempotency_key="cancel-refund-o-1",
        metadata={"order_id": "o-1"},
    )
    # Given a refund request whose response is not sent yet (held in its event delivery)
    reached, release = threading.Event(), threading.Event()

    def hold(event: dict[str, Any]) -> None:
        if event["type"] == "refund.created" and not reached.is_set():
            reached.set()
            assert release.wait(timeout=30)

    standin.add_event_sink(hold)
    refunds = StripeRefunds(client)
    first: list[RefundResult] = []
    thread = threading.Thread(target=lambda: first.append(refunds.refund(request)))
    thread.start()
    assert reached.wait(timeout=10)
    # When the same request is sent with the key meanwhile, Then a TransientError (Stripe's 409)
    with pytest.raises(TransientError) as raised:
        StripeRefunds(client).refund(request)
    cause = raised.value.__cause__
    assert isinstance(cause, stripe.StripeError) and cause.http_status == 409
    release.set()
    thread.join(timeout=30)
    # Then the retry, once the first is answered, gets the very same refund
    assert StripeRefunds(client).refund(request) == first[0]
    assert len(client.v1.refunds.list({"payment_intent": pi.id}).data) == 1
