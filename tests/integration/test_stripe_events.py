"""The Stripe stand-in's events: the Events API, signed webhooks verified by the official SDK,
event sinks, and entries in Stripe's Amazon EventBridge shape."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import pytest
import requests
import stripe
from werkzeug.wrappers import Request, Response

from local.http import serve
from local.providers.stripe import StripeStandIn, eventbridge_entry

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from wsgiref.types import StartResponse, WSGIEnvironment


class Receiver:
    """A webhook receiver on 127.0.0.1 that fails the first ``failures`` posts."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[bytes, str]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            if self.failures > 0:
                self.failures -= 1
                return Response("try later", status=503)(environ, start_response)
            self.received.append((request.get_data(), request.headers.get("Stripe-Signature", "")))
        return Response("ok")(environ, start_response)


@pytest.fixture
def sink_events() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def standin(sink_events: list[dict[str, Any]]) -> Iterator[StripeStandIn]:
    server = StripeStandIn(event_sinks=[sink_events.append])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(standin: StripeStandIn) -> stripe.StripeClient:
    url = standin.url
    return stripe.StripeClient(
        standin.secret_key, base_addresses={"api": url, "connect": url, "files": url}, max_network_retries=0
    )


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    running = serve(app, "webhook-receiver")
    yield app, running.url + "/stripe/webhook"
    running.stop()


def test_given_a_webhook_endpoint_when_a_payment_succeeds_then_a_signed_event_is_delivered(
    standin: StripeStandIn, client: stripe.StripeClient, receiver: tuple[Receiver, str]
) -> None:
    app, url = receiver
    endpoint = client.v1.webhook_endpoints.create(
        {"url": url, "enabled_events": ["payment_intent.succeeded", "charge.refunded"]}
    )
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.status == "enabled"
    # When
    pi = client.v1.payment_intents.create(
        {"amount": 2_000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True},
        {"idempotency_key": "checkout-o1"},
    )
    assert standin.flush_webhooks(10)
    # Then exactly the enabled event arrived, and the SDK verifies its signature
    assert len(app.received) == 1
    payload, signature = app.received[0]
    event = stripe.Webhook.construct_event(payload, signature, endpoint.secret)
    assert event.type == "payment_intent.succeeded"
    assert event.data.object.id == pi.id
    assert event.request.idempotency_key == "checkout-o1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, signature, "whsec_wrong")
    # and the event no longer counts a pending webhook
    assert client.v1.events.retrieve(event.id).pending_webhooks == 0
    # retrieving the endpoint does not reveal the secret again
    assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id)
    assert client.v1.webhook_endpoints.delete(endpoint.id).deleted is True
    assert client.v1.webhook_endpoints.list().data == []


def test_given_a_failing_receiver_when_delivering_then_it_is_retried_until_accepted(
    standin: StripeStandIn, client: stripe.StripeClient, receiver: tuple[Receiver, str]
) -> None:
    app, url = receiver
    app.failures = 2
    client.v1.webhook_endpoints.create({"url": url, "enabled_events": ["customer.created"]})
    customer = client.v1.customers.create({})
    assert standin.flush_webhooks(15)
    assert len(app.received) == 1
    assert json.loads(app.received[0][0])["data"]["object"]["id"] == customer.id
    attempts = [(d.attempt, d.status) for d in standin.webhook_deliveries]
    assert attempts == [(1, 503), (2, 503), (3, 200)]


def test_given_an_unreachable_endpoint_when_delivering_then_the_api_is_unaffected(
    standin: StripeStandIn, client: stripe.StripeClient
) -> None:
    client.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/nothing", "enabled_events": ["*"]})
    assert client.v1.customers.create({}).id.startswith("cus_")
    assert client.v1.customers.list().data


def test_given_connect_and_account_endpoints_then_each_gets_its_own_kind_of_event(
    standin: StripeStandIn, client: stripe.StripeClient, receiver: tuple[Receiver, str]
) -> None:
    app, url = receiver
    connect_secret = client.v1.webhook_endpoints.create(
        {"url": url + "?connect", "enabled_events": ["account.updated"], "connect": True}
    ).secret
    client.v1.webhook_endpoints.create({"url": url + "?platform", "enabled_events": ["account.updated"]})
    account = client.v1.accounts.create(
        {"type": "express", "capabilities": {"transfers": {"requested": True}}, "email": "s@example.com"}
    )
    link = client.v1.account_links.create(
        {"account": account.id, "refresh_url": "https://r.example/a", "return_url": "https://r.example/b",
         "type": "account_onboarding"}
    )  # fmt: skip
    assert requests.post(link.url, data={"outcome": "complete"}, timeout=10).status_code == 200
    assert standin.flush_webhooks(10)
    assert len(app.received) == 1
    event = stripe.Webhook.construct_event(app.received[0][0], app.received[0][1], connect_secret)
    assert event.account == account.id
    assert event.data.object.charges_enabled is True


def test_given_sinks_when_events_happen_then_every_sink_gets_them_in_order_despite_a_broken_one(
    standin: StripeStandIn, client: stripe.StripeClient, sink_events: list[dict[str, Any]]
) -> None:
    def broken(_event: dict[str, Any]) -> None:
        raise RuntimeError("sink down")

    later: list[str] = []
    standin.add_event_sink(broken)
    standin.add_event_sink(lambda event: later.append(event["id"]))
    customer = client.v1.customers.create({"email": "a@example.com"})
    client.v1.customers.update(customer.id, {"email": "b@example.com"})
    assert [e["type"] for e in sink_events] == ["customer.created", "customer.updated"]
    assert later == [e["id"] for e in sink_events]
    stored = client.v1.events.retrieve(sink_events[1]["id"])
    assert stored.data.previous_attributes.email == "a@example.com"
    assert stored.data.object.email == "b@example.com"
    assert stored.api_version == stripe.api_version
    assert [e["id"] for e in standin.events()] == later


def test_given_events_when_listed_then_filters_by_exact_and_wildcard_type(
    client: stripe.StripeClient,
) -> None:
    client.v1.payment_intents.create({"amount": 1_000, "currency": "usd", "payment_method": "pm_card_visa",
                                      "confirm": True})  # fmt: skip
    assert [e.type for e in client.v1.events.list({"type": "charge.succeeded"}).data] == ["charge.succeeded"]
    assert [e.type for e in client.v1.events.list({"type": "payment_intent.*"}).data] == [
        "payment_intent.succeeded",
        "payment_intent.created",
    ]
    assert len(client.v1.events.list({"types": ["charge.succeeded", "payment_intent.created"]}).data) == 2
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.retrieve("evt_missing")


def test_given_an_event_when_put_on_eventbridge_then_the_entry_has_stripes_shape(
    client: stripe.StripeClient, sink_events: list[dict[str, Any]]
) -> None:
    client.v1.customers.create({"email": "x@example.com"}, {"idempotency_key": "k-eb"})
    event = sink_events[-1]
    entry = eventbridge_entry(event, bus_name="resale-stripe", source="aws.partner/stripe.com/ed_local")
    assert entry["Source"] == "aws.partner/stripe.com/ed_local"
    assert entry["DetailType"] == "customer.created"
    assert entry["EventBusName"] == "resale-stripe"
    assert json.loads(entry["Detail"]) == event
    assert int(entry["Time"].timestamp()) == event["created"]
    # the SDK reads the envelope a target receives from the bus
    envelope = {
        "source": entry["Source"],
        "detail-type": entry["DetailType"],
        "detail": json.loads(entry["Detail"]),
    }
    parsed = stripe.Webhook.construct_event_without_verification(json.dumps(envelope))
    assert (parsed.id, parsed.request.idempotency_key) == (event["id"], "k-eb")
