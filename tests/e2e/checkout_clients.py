"""The buyers of a concurrent checkout batch, in a process of their own, as clients run on their
own machines (``python -m tests.e2e.checkout_clients``; started by ``checkout_batch.run_batch``).

In the local cloud's process the buyers' HTTP and Stripe SDK work took about a tenth of the one
interpreter's CPU, and their threads, waking every poll, took turns at its lock with the
functions they were measuring. Here they cost the server nothing but their requests.

The parent writes one JSON document on stdin (the buyers, the rounds, the poll interval, the
Stripe stand-in's address and key), waits for ``{"ready": true}``, then writes a line to start.
Every buyer thread reports what happens as one JSON line on stdout: ``started`` (a checkout
id), ``refused`` (409 at once), ``ended`` (its status, error code and POST → end latency),
``retried`` (a confirmation the SDK got no answer to), ``error`` (a checkout the client lost);
the last line is ``{"done": true, "elapsed_s": ...}``.

A buyer does what a client app does: put the item in the cart, ``POST /checkout``, poll
``GET /checkouts/{id}`` until awaiting payment, confirm the PaymentIntent with the Stripe SDK,
poll until it ends. Polls that meet a 5xx (PostgreSQL restarting) are polled again, as a client
would; a confirm the SDK could not get an answer to is retried with the same idempotency key.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

import requests
import stripe

ENDED = {"paid", "payment_failed", "expired", "cancelled", "failed"}


def client_session() -> requests.Session:
    """A client's HTTP session. It ignores proxy settings in the environment (requests would read
    the whole environment on every request to find them)."""
    session = requests.Session()
    session.trust_env = False
    return session


class Reporter:
    """One JSON line per event on stdout, whole lines only (threads share the stream)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, **event: Any) -> None:
        line = json.dumps(event, separators=(",", ":"))
        with self._lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


class Buyer:
    def __init__(self, spec: dict[str, Any], *, poll_s: float, stripe_key: str, stripe_url: str) -> None:
        self.api_url: str = spec["api_url"]
        self.headers: dict[str, str] = spec["headers"]
        self.address_id: str = spec["address_id"]
        self.listing_id: str = spec["listing_id"]
        self.poll_s = poll_s
        self.session = client_session()
        self.stripe = stripe.StripeClient(
            stripe_key,
            base_addresses={"api": stripe_url},
            max_network_retries=0,
            http_client=stripe.RequestsClient(session=client_session()),
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A call a client repeats while the API answers 5xx or the connection drops."""
        deadline = time.monotonic() + 60
        extra = kwargs.pop("extra", {})
        while True:
            try:
                response = self.session.request(
                    method, f"{self.api_url}{path}", headers=self.headers | extra, timeout=30, **kwargs
                )
            except requests.ConnectionError:
                response = None
            if response is not None and response.status_code < 500:
                return response
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path} kept failing: {response and response.text}")
            time.sleep(self.poll_s)

    def _poll(self, checkout_id: str, wanted: set[str]) -> dict[str, Any]:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            state: dict[str, Any] = self._request("GET", f"/checkouts/{checkout_id}").json()
            if state["status"] in wanted or state["status"] in ENDED:
                return state
            time.sleep(self.poll_s)
        raise AssertionError(f"checkout {checkout_id} never reached {wanted}")

    def _confirm(self, payment: dict[str, Any], key: str, report: Reporter) -> None:
        for attempt in range(8):
            try:
                self.stripe.v1.payment_intents.confirm(
                    payment["payment_intent_id"],
                    params={"payment_method": "pm_card_visa", "client_secret": payment["client_secret"]},  # type: ignore[typeddict-unknown-key]
                    options={"idempotency_key": key},
                )
                return
            except (stripe.APIConnectionError, stripe.APIError):
                report(retried=payment["payment_intent_id"])
                time.sleep(self.poll_s * (attempt + 1))
        raise AssertionError(f"the confirmation of {payment['payment_intent_id']} kept failing")

    def buy(self, n: int, report: Reporter) -> None:
        self._request("PUT", f"/cart/items/{self.listing_id}", json={"quantity": 1})
        t = time.perf_counter()
        posted = self._request(
            "POST", "/checkout", json={"address_id": self.address_id}, extra={"Idempotency-Key": f"batch-{n}"}
        )
        if posted.status_code == 409:  # refused at once: nothing left to hold
            report(refused=n)
            self._request("DELETE", f"/cart/items/{self.listing_id}")
            return
        assert posted.status_code == 202, posted.text
        checkout_id = posted.json()["checkout_id"]
        report(started=checkout_id)
        state = self._poll(checkout_id, {"awaiting_payment"})
        if state["status"] == "awaiting_payment":
            self._confirm(state["payment"], f"confirm-{checkout_id}", report)
            state = self._poll(checkout_id, {"paid"})
        error = state.get("error") or {}
        report(
            ended=checkout_id,
            status=state["status"],
            code=None if not error else str(error.get("code")),
            latency_ms=(time.perf_counter() - t) * 1000,
        )
        if state["status"] != "paid":
            self._request("DELETE", f"/cart/items/{self.listing_id}")


def main() -> int:
    plan = json.loads(sys.stdin.readline())
    report = Reporter()
    rounds: int = plan["rounds"]
    crowd = [
        Buyer(spec, poll_s=plan["poll_s"], stripe_key=plan["stripe_key"], stripe_url=plan["stripe_url"])
        for spec in plan["buyers"]
    ]

    def buyer_loop(index: int) -> None:
        for n in range(rounds):
            try:
                crowd[index].buy(index * rounds + n, report)
            except Exception as exc:  # noqa: BLE001 - reported as a lost checkout, never hidden
                report(error=f"buyer {index} round {n}: {exc!r}")

    threads = [threading.Thread(target=buyer_loop, args=(i,), name=f"buyer-{i}") for i in range(len(crowd))]
    report(ready=True)
    sys.stdin.readline()  # go
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report(done=True, elapsed_s=time.perf_counter() - wall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
