"""The Stripe stand-in: an HTTP server the official ``stripe`` SDK talks to unchanged."""

from __future__ import annotations

import logging
import random
import time
from typing import TYPE_CHECKING, Any

from local.http import serve
from local.providers.stripe import onboarding
from local.providers.stripe.app import Chaos, StripeApp
from local.providers.stripe.events import (
    Delivery,
    WebhookDispatcher,
    add_configured_endpoint,
    matching_endpoints,
)
from local.providers.stripe.store import FailureRule, Store, new_id

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from wsgiref.types import WSGIApplication

    from local.http import RunningServer

logger = logging.getLogger(__name__)


#: how long a card charge stays pending before it is available, as in Stripe's test mode
DEFAULT_PENDING_SECONDS = 2 * 24 * 3600


class StripeStandIn:
    """Stripe API v1 with Connect, on 127.0.0.1.

    Every ``created`` timestamp, expiry and availability date comes from ``clock``. Each Event is
    stored, then handed to every event sink (synchronously, in the thread of the request that
    caused it, after the request's changes are complete and before its response is sent; a sink
    that raises is logged and ignored), then queued for signed delivery to matching webhook
    endpoints on a worker thread.
    """

    def __init__(
        self,
        *,
        secret_key: str = "sk_test_resale_local",  # noqa: S107 - a local test key, not a secret
        publishable_key: str = "pk_test_resale_local",
        clock: Callable[[], float] = time.time,
        event_sinks: Sequence[Callable[[dict[str, Any]], None]] = (),
        pending_seconds: int = DEFAULT_PENDING_SECONDS,
        webhook_clock: Callable[[], float] = time.time,
    ) -> None:
        self.secret_key = secret_key
        #: the time webhook signatures carry: the receivers' clock (real time unless hosted locally)
        self._webhook_clock = webhook_clock
        self.publishable_key = publishable_key
        self.url = ""
        self._clock = clock
        self._sinks: list[Callable[[dict[str, Any]], None]] = list(event_sinks)
        self._store = Store(new_id("acct_", 16))
        platform = self._store.platform_account_id
        self._store.add(onboarding.platform_account(platform, int(clock())), platform, platform=True)
        self._dispatcher = WebhookDispatcher(self._delivered, wall_clock=webhook_clock)
        self._server: RunningServer | None = None
        self._app = StripeApp(
            self._store,
            secret_key=secret_key,
            publishable_key=publishable_key,
            clock=clock,
            pending_seconds=pending_seconds,
            publish=self._publish,
        )

    # lifecycle -------------------------------------------------------------------------------
    def start(self) -> str:
        """Start serving (once); returns the base URL, e.g. ``http://127.0.0.1:40123``."""
        if self._server is None:
            self._server = serve(self._app, "stripe")
            self.url = self._server.url
        return self.url

    def stop(self) -> None:
        """Stop the server and the webhook worker; pending deliveries are dropped."""
        self._dispatcher.stop()
        self._dispatcher = WebhookDispatcher(self._delivered, wall_clock=self._webhook_clock)
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def app(self) -> WSGIApplication:
        return self._app

    @property
    def platform_account_id(self) -> str:
        return self._store.platform_account_id

    # events ----------------------------------------------------------------------------------
    def add_event_sink(self, sink: Callable[[dict[str, Any]], None]) -> None:
        self._sinks.append(sink)

    def events(self) -> list[dict[str, Any]]:
        """Every stored Event of every account, oldest first (a copy)."""
        with self._store.lock:
            return [self._store.render(r.obj, int(self._clock())) for r in reversed(self._store.all("event"))]

    def payment_intents(self) -> list[dict[str, Any]]:
        """Every PaymentIntent of every account as stored, newest first (copies; for checks such
        as "one succeeded PaymentIntent per paid checkout")."""
        with self._store.lock:
            return [dict(r.obj) for r in self._store.all("payment_intent")]

    def add_webhook_endpoint(self, url: str, *, secret: str, connect: bool = False) -> str:
        """A webhook endpoint for every event type with a known signing secret (``whsec_...``),
        as a configured receiver needs; ``connect`` for connected accounts' events. Its id."""
        with self._store.lock:
            return add_configured_endpoint(
                self._store, url, secret=secret, connect=connect, created=int(self._clock())
            )

    def remove_webhook_endpoint(self, endpoint_id: str) -> None:
        with self._store.lock:
            self._store.remove(endpoint_id)

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait until queued webhook deliveries (and their retries) are done."""
        return self._dispatcher.flush(timeout)

    @property
    def webhook_deliveries(self) -> list[Delivery]:
        return list(self._dispatcher.deliveries)

    def _publish(self, batch: list[dict[str, Any]]) -> None:
        for event in batch:
            for sink in list(self._sinks):
                try:
                    sink(event)
                except Exception:  # a sink's failure is the sink's problem, never the API's
                    logger.exception("Stripe event sink failed on %s %s", event["type"], event["id"])
            with self._store.lock:
                endpoints = [
                    (r.obj["id"], r.obj["url"], str(r.private["secret"]))
                    for r in matching_endpoints(self._store, event)
                ]
            for endpoint_id, url, secret in endpoints:
                self._dispatcher.enqueue(event, endpoint_id, url, secret)

    def _delivered(self, event_id: str) -> None:
        with self._store.lock:
            record = self._store.find(event_id)
            if record is not None:
                record.obj["pending_webhooks"] = max(0, record.obj["pending_webhooks"] - 1)

    # failure injection -----------------------------------------------------------------------
    def inject_faults(
        self, share: float, *, seed: int | None = None, path_prefixes: tuple[str, ...] = ("/v1/",)
    ) -> Chaos:
        """From now on, a ``share`` of API requests (seeded) fail: half as a 500 before executing,
        half executed with the answer lost (the connection closed, as a client's timeout sees
        it). ``share=0`` stops. Returns the counters (``errors``, ``lost``)."""
        if not 0.0 <= share <= 1.0:
            raise ValueError("share is a probability in [0, 1]")
        chaos = Chaos(share=share, rng=random.Random(seed), path_prefixes=path_prefixes)  # noqa: S311 - test faults
        self._app.chaos = chaos
        return chaos

    def fail_next(
        self, n: int = 1, status: int = 500, path_prefix: str = "/v1/", *, during: bool = False
    ) -> None:
        """Make the next ``n`` requests whose path starts with ``path_prefix`` fail as Stripe's
        ``api_error`` (or, for 429, its rate-limit error) does, before they execute; with
        ``during``, fail while executing instead, as an unexpected 500 that Stripe saves under the
        request's idempotency key and replays (``status`` is then 500)."""
        with self._store.lock:
            self._store.failures.append(FailureRule(n, 500 if during else status, path_prefix, during))
