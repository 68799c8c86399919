"""The webhook service with the real SDK verifier: the signature's age is judged on the clock
port (the SDK's own check reads the system clock, so it is turned off and replaced)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe

from adapters.stripe.webhooks import StripeWebhookVerifier
from tests.fakes.clock import FakeClock
from workflows.payments.errors import WebhookEventInvalid, WebhookSignatureInvalid
from workflows.payments.webhooks import TOLERANCE_S, receive_stripe_webhook

SECRET = "whsec_unit_account"
CONNECT_SECRET = "whsec_unit_connect"
EVENT = {
    "id": "evt_unit_1",
    "object": "event",
    "type": "payment_intent.succeeded",
    "created": 1_800_000_000,
    "data": {"object": {"id": "pi_unit_1", "object": "payment_intent", "status": "succeeded"}},
}


@dataclass
class Forwarded:
    events: list[dict[str, Any]] = field(default_factory=list)

    def forward(self, event: dict[str, Any]) -> None:
        self.events.append(event)


def _signed(body: str, secret: str, at: int) -> str:
    return stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=at)


def _receive(body: str, header: str | None, clock_at: float, forwarded: Forwarded) -> Any:
    return receive_stripe_webhook(
        body.encode(),
        header,
        verifier=StripeWebhookVerifier([SECRET, CONNECT_SECRET]),
        forwarder=forwarded,
        clock=FakeClock(clock_at),
    )


def test_given_a_signature_fresh_on_the_clock_port_but_old_by_the_system_clock_then_it_is_accepted() -> None:
    # Given a clock port a day behind the system (the local cloud's virtual clock can be)
    at = int(time.time()) - 86_400
    body = json.dumps(EVENT)
    forwarded = Forwarded()
    # When Stripe signed it "now" on that clock
    receipt = _receive(body, _signed(body, SECRET, at), at + 5, forwarded)
    # Then it is forwarded as sent
    assert receipt.event_id == "evt_unit_1"
    assert forwarded.events == [EVENT]


def test_given_a_signature_older_than_the_tolerance_on_the_clock_port_then_it_is_refused() -> None:
    # Given a signature made now by the system clock, and a clock port ahead by more than 300 s
    at = int(time.time())
    body = json.dumps(EVENT)
    forwarded = Forwarded()
    with pytest.raises(WebhookSignatureInvalid, match="300 s"):
        _receive(body, _signed(body, SECRET, at), at + TOLERANCE_S + 1, forwarded)
    assert forwarded.events == []
    # and at exactly the tolerance it still passes, as Stripe's libraries have it
    _receive(body, _signed(body, SECRET, at), at + TOLERANCE_S, forwarded)
    assert len(forwarded.events) == 1


def test_given_the_connect_endpoints_secret_then_the_signature_is_accepted_too() -> None:
    at = int(time.time())
    body = json.dumps(EVENT | {"account": "acct_unit"})
    forwarded = Forwarded()
    _receive(body, _signed(body, CONNECT_SECRET, at), at, forwarded)
    assert forwarded.events[0]["account"] == "acct_unit"


@pytest.mark.parametrize(
    ("body", "header", "error"),
    [
        (json.dumps(EVENT), None, WebhookSignatureInvalid),
        (json.dumps(EVENT), "", WebhookSignatureInvalid),
        (json.dumps(EVENT), "t=not-a-number,v1=abc", WebhookSignatureInvalid),
        (json.dumps(EVENT), "v1=abc", WebhookSignatureInvalid),
        ("not json", "sign", WebhookEventInvalid),
        (json.dumps({"hello": "world"}), "sign", WebhookEventInvalid),
        (json.dumps(EVENT | {"id": 42}), "sign", WebhookEventInvalid),
        (json.dumps({"object": "v2.core.event", "id": "evt_1"}), "sign", WebhookEventInvalid),
    ],
    ids=["no-header", "empty-header", "bad-timestamp", "no-timestamp", "not-json", "not-an-event",
         "bad-id", "thin-event"],
)  # fmt: skip
def test_given_a_bad_webhook_then_it_is_refused_and_nothing_is_forwarded(
    body: str, header: str | None, error: type[Exception]
) -> None:
    at = int(time.time())
    if header == "sign":
        header = _signed(body, SECRET, at)
    forwarded = Forwarded()
    with pytest.raises(error):
        _receive(body, header, at, forwarded)
    assert forwarded.events == []


def test_given_a_body_changed_after_signing_or_another_secret_then_the_signature_is_invalid() -> None:
    at = int(time.time())
    body = json.dumps(EVENT)
    forwarded = Forwarded()
    tampered = body.replace("succeeded", "canceled", 1)
    with pytest.raises(WebhookSignatureInvalid, match="does not match"):
        _receive(tampered, _signed(body, SECRET, at), at, forwarded)
    with pytest.raises(WebhookSignatureInvalid, match="does not match"):
        _receive(body, _signed(body, "whsec_someone_else", at), at, forwarded)
    assert forwarded.events == []


def test_given_no_secret_then_the_verifier_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="no Stripe webhook signing secret"):
        StripeWebhookVerifier(["", ""])
