"""The one Stripe call wrapper: a request racing another with its idempotency key is retried."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from adapters.stripe.calls import stripe_call
from workflows.shared.errors import TransientError


def raising(exc: Exception) -> Any:
    def operation() -> Any:
        raise exc

    return operation


def idempotency_error(status: int) -> stripe.IdempotencyError:
    body = {"error": {"type": "idempotency_error", "message": "key in use"}}
    return stripe.IdempotencyError("key in use", http_body=str(body), http_status=status, json_body=body)


def test_given_a_concurrent_request_with_the_key_when_stripe_answers_409_then_transient() -> None:
    # Given Stripe's 409 idempotency_error as an IdempotencyError, When called, Then retried
    with pytest.raises(TransientError) as raised:
        stripe_call(raising(idempotency_error(409)))
    assert isinstance(raised.value.__cause__, stripe.IdempotencyError)


def test_given_the_key_reused_with_other_parameters_when_stripe_answers_400_then_not_retried() -> None:
    # the same key with other parameters fails the same way every time: not transient
    with pytest.raises(stripe.IdempotencyError):
        stripe_call(raising(idempotency_error(400)))


def test_given_the_sdks_apierror_for_a_409_then_transient_too() -> None:
    # stripe-python 16 raises APIError for any 409 (IdempotencyError is its class of 400/404)
    body = {"error": {"type": "idempotency_error", "message": "key in use"}}
    with pytest.raises(TransientError):
        stripe_call(raising(stripe.APIError("key in use", http_status=409, json_body=body)))
