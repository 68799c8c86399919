"""The providers' SDK clients as the functions build them."""

from __future__ import annotations

import stripe

from adapters.providers import STRIPE_TIMEOUT_S, stripe_client

#: the shortest TimeoutSeconds of a step that calls Stripe (Request Payment, Mark Paid)
STEP_TIMEOUT_S = 30


def test_given_the_stripe_client_then_its_tries_fit_inside_the_steps_timeout() -> None:
    client = stripe_client("sk_test_x", api_base="http://127.0.0.1:1", max_network_retries=2)
    http = client._requestor._client  # the SDK's HTTP client (no public accessor)
    assert isinstance(http, stripe.RequestsClient)
    assert http._timeout == STRIPE_TIMEOUT_S
    connect, read = STRIPE_TIMEOUT_S
    # three tries and the SDK's back-off between them (at most 2 s each at these counts)
    assert 3 * (connect + read) + 2 * 2 < STEP_TIMEOUT_S
