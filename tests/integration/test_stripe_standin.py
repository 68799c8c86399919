"""The Stripe stand-in, driven by the official ``stripe`` SDK over real HTTP: payments side.

Each test reads Given/When/Then; the stand-in runs on a virtual clock the tests move.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest
import stripe
from werkzeug.test import Client

from local.providers.stripe import StripeStandIn
from tests.fakes.clock import FakeClock


def make_client(standin: StripeStandIn, key: str | None = None, retries: int = 0) -> stripe.StripeClient:
    url = standin.url
    return stripe.StripeClient(
        key or standin.secret_key,
        base_addresses={"api": url, "connect": url, "files": url},
        max_network_retries=retries,
    )


@pytest.fixture
def client(standin: StripeStandIn) -> stripe.StripeClient:
    return make_client(standin)


def types_of(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


# customers and saved cards ---------------------------------------------------------------------
def test_given_a_customer_when_a_setup_intent_is_confirmed_with_visa_then_the_card_is_saved(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    # Given a customer
    customer = client.v1.customers.create({"email": "buyer@example.com", "metadata": {"user_id": "u1"}})
    assert customer.id.startswith("cus_")
    assert customer.object == "customer"
    assert customer.livemode is False
    assert customer.metadata["user_id"] == "u1"
    # When a SetupIntent for them is created and confirmed with a test card
    seti = client.v1.setup_intents.create({"customer": customer.id, "usage": "off_session"})
    assert seti.client_secret.startswith(seti.id + "_secret_")
    assert seti.status == "requires_payment_method"
    confirmed = client.v1.setup_intents.confirm(seti.id, {"payment_method": "pm_card_visa"})
    # Then it succeeded and a real pm_ card is attached to the customer
    assert confirmed.status == "succeeded"
    pm_id = confirmed.payment_method
    assert pm_id.startswith("pm_")
    assert pm_id != "pm_card_visa"
    saved = client.v1.customers.payment_methods.list(customer.id)
    assert [pm.id for pm in saved.data] == [pm_id]
    card = saved.data[0].card
    assert (card.brand, card.last4, card.exp_month) == ("visa", "4242", 12)
    assert card.exp_year > 2026
    # And it can become the default payment method
    updated = client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": pm_id}})
    assert updated.invoice_settings.default_payment_method == pm_id
    assert types_of(events) == [
        "customer.created",
        "setup_intent.created",
        "payment_method.attached",
        "setup_intent.succeeded",
        "customer.updated",
    ]
    assert events[-1]["data"]["previous_attributes"] == {"invoice_settings": {"default_payment_method": None}}


def test_given_a_declining_card_when_a_setup_intent_is_confirmed_then_card_error_and_nothing_saved(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    customer = client.v1.customers.create({})
    seti = client.v1.setup_intents.create({"customer": customer.id})
    with pytest.raises(stripe.CardError) as raised:
        client.v1.setup_intents.confirm(seti.id, {"payment_method": "pm_card_chargeDeclined"})
    assert raised.value.http_status == 402
    assert raised.value.code == "card_declined"
    assert client.v1.setup_intents.retrieve(seti.id).last_setup_error.decline_code == "generic_decline"
    assert client.v1.customers.payment_methods.list(customer.id).data == []
    assert "setup_intent.setup_failed" in types_of(events)


def test_given_an_attached_card_when_detached_then_it_leaves_the_customer_and_the_default(
    client: stripe.StripeClient,
) -> None:
    customer = client.v1.customers.create({})
    pm = client.v1.payment_methods.attach("pm_card_mastercard", {"customer": customer.id})
    assert pm.card.brand == "mastercard"
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": pm.id}})
    detached = client.v1.payment_methods.detach(pm.id)
    assert detached.customer is None
    assert client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_methods.attach(pm.id, {"customer": customer.id})


def test_given_a_customer_when_updated_and_deleted_then_metadata_merges_and_it_is_gone(
    client: stripe.StripeClient,
) -> None:
    customer = client.v1.customers.create({"name": "Ann", "metadata": {"a": "1", "b": "2"}})
    updated = client.v1.customers.update(customer.id, {"metadata": {"a": "", "c": "3"}})
    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}
    deleted = client.v1.customers.delete(customer.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.retrieve(customer.id)
    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"


# payment intents -------------------------------------------------------------------------------
def test_given_visa_when_a_payment_intent_is_confirmed_then_it_succeeds_with_a_charge_and_stripe_fee(
    client: stripe.StripeClient, events: list[dict[str, Any]], clock: FakeClock
) -> None:
    customer = client.v1.customers.create({})
    # When
    pi = client.v1.payment_intents.create(
        {
            "amount": 10_000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "transfer_group": "order_1",
            "metadata": {"order_id": "order_1"},
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "expand": ["latest_charge.balance_transaction", "customer"],
        },
        {"idempotency_key": "checkout-order_1"},
    )
    # Then
    assert pi.status == "succeeded"
    assert pi.amount_received == 10_000
    assert pi.customer.id == customer.id
    charge = pi.latest_charge
    assert charge.id.startswith("ch_")
    assert (charge.status, charge.captured, charge.paid) == ("succeeded", True, True)
    assert charge.transfer_group == "order_1"
    assert charge.payment_method_details.card.last4 == "4242"
    txn = charge.balance_transaction
    assert txn.id.startswith("txn_")
    assert (txn.type, txn.amount, txn.fee, txn.net) == ("charge", 10_000, 320, 9_680)
    assert txn.available_on == int(clock()) + 2 * 24 * 3600
    assert txn.status == "pending"
    assert types_of(events) == [
        "customer.created",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    succeeded = events[-1]
    assert succeeded["request"]["idempotency_key"] == "checkout-order_1"
    assert succeeded["request"]["id"].startswith("req_")
    assert succeeded["data"]["object"]["id"] == pi.id
    assert succeeded["created"] == int(clock())
    assert "account" not in succeeded


@pytest.mark.parametrize("fee_case", [(1_000, 59), (1_724, 80), (50, 31), (2_000, 88), (500, 45)])
def test_given_amounts_when_charged_then_the_fee_is_2_9_percent_half_up_plus_30(
    client: stripe.StripeClient, fee_case: tuple[int, int]
) -> None:
    amount, fee = fee_case
    pi = client.v1.payment_intents.create(
        {"amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
         "expand": ["latest_charge.balance_transaction"]}
    )  # fmt: skip
    assert pi.latest_charge.balance_transaction.fee == fee
    assert pi.latest_charge.balance_transaction.net == amount - fee


@pytest.mark.parametrize(
    ("card", "code", "decline_code"),
    [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ],
)
def test_given_a_declining_card_when_confirmed_then_402_card_error_and_requires_payment_method(
    client: stripe.StripeClient, events: list[dict[str, Any]], card: str, code: str, decline_code: str
) -> None:
    pi = client.v1.payment_intents.create({"amount": 5_000, "currency": "usd"})
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.confirm(pi.id, {"payment_method": card})
    error = raised.value
    assert error.http_status == 402
    assert error.code == code
    assert error.error.decline_code == decline_code
    assert error.error.payment_intent.id == pi.id
    assert error.error.payment_intent.status == "requires_payment_method"
    after = client.v1.payment_intents.retrieve(pi.id, {"expand": ["latest_charge"]})
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.code == code
    assert after.latest_charge.status == "failed"
    assert after.latest_charge.balance_transaction is None
    assert types_of(events)[-2:] == ["charge.failed", "payment_intent.payment_failed"]
    # and a retry with a good card then succeeds
    retried = client.v1.payment_intents.confirm(pi.id, {"payment_method": "pm_card_visa"})
    assert retried.status == "succeeded"
    assert retried.last_payment_error is None


def test_given_a_client_secret_when_confirmed_with_the_publishable_key_then_it_succeeds(
    standin: StripeStandIn, client: stripe.StripeClient
) -> None:
    pi = client.v1.payment_intents.create({"amount": 1_500, "currency": "eur"})
    browser = make_client(standin, standin.publishable_key)
    # the publishable key cannot do server-side work
    with pytest.raises(stripe.AuthenticationError):
        browser.v1.payment_intents.create({"amount": 1_500, "currency": "eur"})
    # nor confirm without the client secret, or with a wrong one
    with pytest.raises(stripe.InvalidRequestError):
        browser.v1.payment_intents.confirm(pi.id, {"payment_method": "pm_card_visa"})
    with pytest.raises(stripe.InvalidRequestError):
        browser.v1.payment_intents.confirm(pi.id, {"payment_method": "pm_card_visa", "client_secret": "nope"})
    confirmed = browser.v1.payment_intents.confirm(
        pi.id, {"payment_method": "pm_card_visa", "client_secret": pi.client_secret}
    )
    assert confirmed.status == "succeeded"
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_given_manual_capture_when_partially_captured_then_only_that_amount_is_settled(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    pi = client.v1.payment_intents.create(
        {"amount": 8_000, "currency": "usd", "capture_method": "manual", "payment_method": "pm_card_amex",
         "confirm": True, "expand": ["latest_charge"]}
    )  # fmt: skip
    assert pi.status == "requires_capture"
    assert pi.amount_capturable == 8_000
    assert pi.latest_charge.captured is False
    assert pi.latest_charge.balance_transaction is None
    assert types_of(events)[-1] == "payment_intent.amount_capturable_updated"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.capture(pi.id, {"amount_to_capture": 9_000})
    captured = client.v1.payment_intents.capture(
        pi.id, {"amount_to_capture": 6_000, "expand": ["latest_charge.balance_transaction"]}
    )
    assert captured.status == "succeeded"
    assert captured.amount_received == 6_000
    assert captured.amount_capturable == 0
    charge = captured.latest_charge
    assert (charge.captured, charge.amount_captured, charge.amount_refunded) == (True, 6_000, 2_000)
    assert charge.balance_transaction.amount == 6_000
    assert charge.balance_transaction.fee == 204
    assert types_of(events)[-2:] == ["charge.captured", "payment_intent.succeeded"]
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.payment_intents.capture(pi.id)
    assert again.value.code == "payment_intent_unexpected_state"


def test_given_an_open_payment_intent_when_canceled_then_canceled_with_reason_and_event(
    client: stripe.StripeClient, events: list[dict[str, Any]], clock: FakeClock
) -> None:
    pi = client.v1.payment_intents.create(
        {"amount": 2_500, "currency": "usd", "payment_method": "pm_card_visa"}
    )
    assert pi.status == "requires_confirmation"
    clock.advance(60)
    canceled = client.v1.payment_intents.cancel(pi.id, {"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "abandoned"
    assert canceled.canceled_at == int(clock())
    assert types_of(events)[-1] == "payment_intent.canceled"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.cancel(pi.id)
    assert raised.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.confirm(pi.id)


def test_given_an_authorised_payment_when_canceled_then_the_authorisation_is_released(
    client: stripe.StripeClient,
) -> None:
    pi = client.v1.payment_intents.create(
        {"amount": 3_000, "currency": "usd", "capture_method": "manual", "payment_method": "pm_card_visa",
         "confirm": True}
    )  # fmt: skip
    canceled = client.v1.payment_intents.cancel(pi.id, {"expand": ["latest_charge"]})
    assert canceled.status == "canceled"
    assert canceled.latest_charge.refunded is True
    assert client.v1.balance.retrieve().pending[0].amount == 0


def test_given_a_payment_intent_when_updated_then_fields_change_and_list_filters_by_customer(
    client: stripe.StripeClient,
) -> None:
    customer = client.v1.customers.create({})
    pi = client.v1.payment_intents.create({"amount": 1_000, "currency": "usd"})
    updated = client.v1.payment_intents.update(
        pi.id, {"amount": 1_200, "customer": customer.id, "metadata": {"k": "v"}, "description": "two books"}
    )
    assert (updated.amount, updated.customer, updated.description) == (1_200, customer.id, "two books")
    client.v1.payment_intents.create({"amount": 900, "currency": "usd"})
    listed = client.v1.payment_intents.list({"customer": customer.id})
    assert [p.id for p in listed.data] == [pi.id]


# idempotency -----------------------------------------------------------------------------------
def test_given_an_idempotency_key_when_the_same_request_is_repeated_then_the_response_is_replayed(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    params: dict[str, Any] = {"amount": 4_200, "currency": "usd", "metadata": {"order_id": "o-42"}}
    first = client.v1.payment_intents.create(params, {"idempotency_key": "k-42"})
    second = client.v1.payment_intents.create(dict(params), {"idempotency_key": "k-42"})
    assert second.id == first.id
    assert first.last_response is not None
    assert second.last_response is not None
    assert second.last_response.body == first.last_response.body
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert len(client.v1.payment_intents.list().data) == 1
    assert types_of(events).count("payment_intent.created") == 1


def test_given_a_used_key_when_reused_with_other_params_then_idempotency_error(
    client: stripe.StripeClient,
) -> None:
    client.v1.payment_intents.create({"amount": 4_200, "currency": "usd"}, {"idempotency_key": "k-1"})
    with pytest.raises(stripe.IdempotencyError) as raised:
        client.v1.payment_intents.create({"amount": 4_300, "currency": "usd"}, {"idempotency_key": "k-1"})
    assert raised.value.http_status == 400
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({}, {"idempotency_key": "k-1"})


def test_given_a_declined_confirmation_when_retried_with_the_same_key_then_the_decline_is_replayed(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    pi = client.v1.payment_intents.create({"amount": 4_200, "currency": "usd"})
    for _ in range(2):
        with pytest.raises(stripe.CardError):
            client.v1.payment_intents.confirm(
                pi.id, {"payment_method": "pm_card_chargeDeclined"}, {"idempotency_key": "confirm-1"}
            )
    assert types_of(events).count("payment_intent.payment_failed") == 1


class HeldRequest:
    """An event sink that holds the request that emits ``event_type`` until released: the request
    is then still executing (its response not sent), as a slow Stripe request would be."""

    def __init__(self, event_type: str) -> None:
        self.event_type = event_type
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, event: dict[str, Any]) -> None:
        if event["type"] == self.event_type and not self.reached.is_set():
            self.reached.set()
            assert self.release.wait(timeout=30)


def in_background(call: Any) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except stripe.StripeError as exc:  # the test asserts on it
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_given_a_request_in_flight_when_another_uses_its_key_then_409_idempotency_error_then_replayed(
    standin: StripeStandIn, client: stripe.StripeClient
) -> None:
    # Given a PaymentIntent creation with key "race" that is still executing
    held = HeldRequest("payment_intent.created")
    standin.add_event_sink(held)
    params: dict[str, Any] = {"amount": 777, "currency": "usd"}
    first, outcome = in_background(
        lambda: make_client(standin).v1.payment_intents.create(params, {"idempotency_key": "race"})
    )
    assert held.reached.wait(timeout=10)
    # When a second request uses the key meanwhile, then Stripe's 409 (nothing executed or saved);
    # the SDK raises its APIError for a 409 (IdempotencyError is its class of the 400)
    with pytest.raises(stripe.StripeError) as raised:
        client.v1.payment_intents.create(dict(params), {"idempotency_key": "race"})
    assert raised.value.http_status == 409
    assert raised.value.json_body["error"]["type"] == "idempotency_error"
    assert "another in-progress request" in raised.value.json_body["error"]["message"]
    # ... even with other parameters (the key is what is in flight)
    with pytest.raises(stripe.StripeError) as other:
        client.v1.payment_intents.create({"amount": 778, "currency": "usd"}, {"idempotency_key": "race"})
    assert other.value.http_status == 409
    assert other.value.json_body["error"]["type"] == "idempotency_error"
    held.release.set()
    first.join(timeout=30)
    original = outcome[0]
    assert isinstance(original, stripe.PaymentIntent)
    # Then once the first is answered, the same request replays its result; other params are a 400
    again = client.v1.payment_intents.create(dict(params), {"idempotency_key": "race"})
    assert again.id == original.id
    assert again.last_response is not None
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    with pytest.raises(stripe.IdempotencyError) as mismatch:
        client.v1.payment_intents.create({"amount": 778, "currency": "usd"}, {"idempotency_key": "race"})
    assert mismatch.value.http_status == 400
    assert len(client.v1.payment_intents.list().data) == 1


def test_given_concurrent_requests_with_one_key_when_they_race_then_one_executes_the_rest_409_or_replay(
    standin: StripeStandIn, client: stripe.StripeClient
) -> None:
    ids: list[str] = []
    errors: list[stripe.StripeError] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        own = make_client(standin)
        barrier.wait()
        try:
            pi = own.v1.payment_intents.create(
                {"amount": 777, "currency": "usd"}, {"idempotency_key": "race"}
            )
            ids.append(pi.id)
        except stripe.StripeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # each answer is the one execution's result or Stripe's 409; never a second PaymentIntent
    assert len(ids) + len(errors) == 8
    assert len(set(ids)) == 1
    assert all(
        e.http_status == 409 and e.json_body["error"]["type"] == "idempotency_error" for e in errors
    ), errors
    assert len(client.v1.payment_intents.list().data) == 1


def test_given_a_request_that_failed_unexpectedly_when_retried_with_its_key_then_the_500_is_replayed(
    standin: StripeStandIn, client: stripe.StripeClient
) -> None:
    # Given a request that crashed while executing (Stripe saves that result under its key)
    standin.fail_next(1, path_prefix="/v1/customers", during=True)
    with pytest.raises(stripe.APIError) as crashed:
        client.v1.customers.create({"email": "c@example.com"}, {"idempotency_key": "crash"})
    assert crashed.value.http_status == 500
    # When it is retried with the same key, then the same 500 comes back, and nothing executes
    with pytest.raises(stripe.APIError) as replayed:
        client.v1.customers.create({"email": "c@example.com"}, {"idempotency_key": "crash"})
    assert replayed.value.http_status == 500
    assert replayed.value.headers.get("Idempotent-Replayed") == "true"
    assert replayed.value.json_body == crashed.value.json_body
    assert client.v1.customers.list().data == []
    # ... while a new key executes
    assert client.v1.customers.create({"email": "c@example.com"}, {"idempotency_key": "fresh"}).id


def test_given_a_key_older_than_24_hours_when_reused_then_it_executes_again(
    client: stripe.StripeClient, clock: FakeClock
) -> None:
    first = client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "old"})
    clock.advance(24 * 3600 - 1)
    assert client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "old"}).id == first.id
    clock.advance(1)
    again = client.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "old"})
    assert again.id != first.id


# errors ----------------------------------------------------------------------------------------
def test_given_no_amount_when_creating_then_400_parameter_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create({"currency": "usd"})  # type: ignore[typeddict-item]
    assert raised.value.http_status == 400
    assert raised.value.code == "parameter_missing"
    assert raised.value.param == "amount"
    assert raised.value.json_body["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("10.5", "parameter_invalid_integer"),
        ("-100", "parameter_invalid_integer"),
        ("0", "parameter_invalid_integer"),
        ("49", "amount_too_small"),
    ],
)
def test_given_a_bad_amount_when_creating_then_400_like_stripe(
    client: stripe.StripeClient, amount: str, code: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create({"amount": amount, "currency": "usd"})  # type: ignore[typeddict-item]
    assert raised.value.http_status == 400
    assert raised.value.code == code
    assert raised.value.param == "amount"


def test_given_a_float_amount_from_python_when_creating_then_400(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create({"amount": 12.5, "currency": "usd"})  # type: ignore[typeddict-item]
    assert raised.value.code == "parameter_invalid_integer"


def test_given_unknown_ids_and_params_when_requested_then_404_and_400(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_intents.retrieve("pi_doesnotexist")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    assert "pi_doesnotexist" in str(missing.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.customers.create({"favourite_colour": "red"})  # type: ignore[typeddict-unknown-key]
    assert unknown.value.code == "parameter_unknown"
    with pytest.raises(stripe.InvalidRequestError) as bad_currency:
        client.v1.payment_intents.create({"amount": 100, "currency": "xxx"})
    assert bad_currency.value.param == "currency"


def test_given_a_wrong_key_when_calling_then_401_authentication_error(standin: StripeStandIn) -> None:
    with pytest.raises(stripe.AuthenticationError) as raised:
        make_client(standin, "sk_test_wrong_key_1234").v1.customers.list()
    assert raised.value.http_status == 401
    assert "Invalid API Key" in str(raised.value.user_message)
    no_key = Client(standin.app).get("/v1/customers")
    assert no_key.status_code == 401
    assert no_key.get_json()["error"]["type"] == "invalid_request_error"


def test_given_basic_auth_with_the_key_as_user_when_calling_then_accepted(standin: StripeStandIn) -> None:
    import base64

    token = base64.b64encode(f"{standin.secret_key}:".encode()).decode()
    response = Client(standin.app).get("/v1/customers", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 200
    assert response.get_json()["object"] == "list"


# lists, forms, failures, legacy style ----------------------------------------------------------
def test_given_many_customers_when_listed_then_newest_first_with_cursors(client: stripe.StripeClient) -> None:
    created = [client.v1.customers.create({"email": f"c{i}@example.com"}).id for i in range(5)]
    newest_first = list(reversed(created))
    page = client.v1.customers.list({"limit": 2})
    assert [c.id for c in page.data] == newest_first[:2]
    assert page.has_more is True
    assert page.url == "/v1/customers"
    assert [c.id for c in page.auto_paging_iter()] == newest_first
    after = client.v1.customers.list({"limit": 2, "starting_after": newest_first[1]})
    assert [c.id for c in after.data] == newest_first[2:4]
    before = client.v1.customers.list({"limit": 2, "ending_before": newest_first[3]})
    assert [c.id for c in before.data] == newest_first[1:3]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.list({"limit": 101})


def test_given_raw_bracket_form_bodies_when_posted_then_decoded_like_stripe(standin: StripeStandIn) -> None:
    http = Client(standin.app)
    headers = {"Authorization": f"Bearer {standin.secret_key}"}
    body = "email=x%40example.com&metadata[order_id]=o-1&metadata[note]=a+b&expand[]=invoice_settings"
    created = http.post(
        "/v1/customers", data=body, headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}
    ).get_json()
    assert created["metadata"] == {"order_id": "o-1", "note": "a b"}
    body = (
        "amount=1000&currency=usd&payment_method_types[0]=card&expand[0]=customer&customer=" + created["id"]
    )
    pi = http.post(
        "/v1/payment_intents",
        data=body,
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    ).get_json()
    assert pi["customer"]["email"] == "x@example.com"
    assert pi["payment_method_types"] == ["card"]
    bad = http.post("/v1/customers", data="metadata[a]=1&metadata=x", headers=headers)
    assert bad.status_code == 400


def test_given_injected_failures_when_calling_then_api_errors_then_recovery(
    standin: StripeStandIn, client: stripe.StripeClient
) -> None:
    standin.fail_next(1, status=500, path_prefix="/v1/payment_intents")
    client.v1.customers.create({})  # another path is not affected
    with pytest.raises(stripe.APIError) as raised:
        client.v1.payment_intents.create({"amount": 1_000, "currency": "usd"})
    assert raised.value.http_status == 500
    assert raised.value.json_body["error"]["type"] == "api_error"
    assert client.v1.payment_intents.create({"amount": 1_000, "currency": "usd"}).status
    # the SDK's own retry (same idempotency key) gets through once the fault is spent
    standin.fail_next(1)
    retrying = make_client(standin, retries=1)
    pi = retrying.v1.payment_intents.create({"amount": 1_000, "currency": "usd"})
    assert pi.status == "requires_payment_method"
    assert len(client.v1.payment_intents.list().data) == 2
    standin.fail_next(1, status=429)
    with pytest.raises(stripe.RateLimitError):
        client.v1.customers.list()


def test_given_the_legacy_global_style_when_used_then_it_works_too(
    standin: StripeStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stripe, "api_key", standin.secret_key)
    monkeypatch.setattr(stripe, "api_base", standin.url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    pi = stripe.PaymentIntent.create(
        amount=2_000,
        currency="usd",
        payment_method="pm_card_visa",
        confirm=True,
        idempotency_key=str(uuid.uuid4()),
    )
    assert pi.status == "succeeded"
    assert stripe.PaymentIntent.retrieve(pi.id).latest_charge.startswith("ch_")


def test_given_a_refund_request_when_amounts_vary_then_partial_full_and_too_much_behave(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    pi = client.v1.payment_intents.create(
        {"amount": 5_000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    partial = client.v1.refunds.create(
        {"payment_intent": pi.id, "amount": 1_000, "reason": "requested_by_customer"}
    )
    assert (partial.status, partial.amount, partial.charge) == ("succeeded", 1_000, pi.latest_charge)
    assert types_of(events)[-2:] == ["refund.created", "charge.refunded"]
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create({"payment_intent": pi.id, "amount": 4_001})
    assert too_much.value.code == "amount_too_large"
    rest = client.v1.refunds.create({"charge": pi.latest_charge, "expand": ["balance_transaction"]})
    assert rest.amount == 4_000
    assert (rest.balance_transaction.type, rest.balance_transaction.amount) == ("refund", -4_000)
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (5_000, True)
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create({"payment_intent": pi.id})
    assert again.value.code == "charge_already_refunded"
    assert [r.id for r in client.v1.refunds.list({"payment_intent": pi.id}).data] == [rest.id, partial.id]
    assert json.loads(json.dumps(client.v1.refunds.retrieve(rest.id).to_dict()))["object"] == "refund"


# refunds that settle later ---------------------------------------------------------------------
def settle(client: stripe.StripeClient, refund_id: str, **params: Any) -> dict[str, Any]:
    """The stand-in's test-only control (local/providers/stripe/payments.py), through the SDK."""
    response = client.raw_request("post", f"/v1/test_helpers/refunds/{refund_id}/settle", **params)
    return dict(json.loads(response.body))


def test_given_the_pending_refund_card_when_refunded_then_pending_until_settled_as_succeeded(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    # Given a charge on Stripe's pending-refund test card
    pi = client.v1.payment_intents.create(
        {"amount": 3_000, "currency": "usd", "payment_method": "pm_card_pendingRefund", "confirm": True}
    )
    # When it is refunded, then the refund is pending
    refund = client.v1.refunds.create({"payment_intent": pi.id})
    assert refund.status == "pending"
    assert types_of(events)[-2:] == ["refund.created", "charge.refunded"]
    # When Stripe settles it, then succeeded, with refund.updated and charge.refund.updated
    settled = settle(client, refund.id, status="succeeded")
    assert settled["status"] == "succeeded"
    assert types_of(events)[-2:] == ["refund.updated", "charge.refund.updated"]
    assert events[-1]["data"]["object"]["id"] == refund.id
    assert events[-1]["data"]["previous_attributes"]["status"] == "pending"
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
    assert client.v1.charges.retrieve(pi.latest_charge).amount_refunded == 3_000
    # ... and a settled refund cannot be settled as succeeded again
    with pytest.raises(stripe.InvalidRequestError):
        settle(client, refund.id, status="succeeded")


def test_given_a_pending_refund_when_it_fails_then_refund_failed_and_the_money_comes_back(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    pi = client.v1.payment_intents.create(
        {"amount": 3_000, "currency": "usd", "payment_method": "pm_card_pendingRefund", "confirm": True}
    )
    refund = client.v1.refunds.create({"payment_intent": pi.id, "amount": 1_000})
    failed = settle(client, refund.id, status="failed", failure_reason="expired_or_canceled_card")
    assert (failed["status"], failed["failure_reason"]) == ("failed", "expired_or_canceled_card")
    assert types_of(events)[-3:] == ["refund.failed", "refund.updated", "charge.refund.updated"]
    back = client.v1.balance_transactions.retrieve(failed["failure_balance_transaction"])
    assert (back.type, back.amount, back.source) == ("refund_failure", 1_000, refund.id)
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    # the whole charge can be refunded again
    assert client.v1.refunds.create({"payment_intent": pi.id}).amount == 3_000


def test_given_a_succeeded_refund_when_it_fails_later_then_failed_as_stripes_5126_card_does(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    pi = client.v1.payment_intents.create(
        {"amount": 2_000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    refund = client.v1.refunds.create({"payment_intent": pi.id})
    assert refund.status == "succeeded"
    assert settle(client, refund.id, status="failed")["failure_reason"] == "unknown"
    assert "refund.failed" in types_of(events)
    with pytest.raises(stripe.InvalidRequestError):
        settle(client, refund.id, status="failed")
    with pytest.raises(stripe.InvalidRequestError):
        settle(client, refund.id, status="sideways")
