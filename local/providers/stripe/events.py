"""Events: listing, webhook endpoints, signed delivery on a worker thread, EventBridge entries."""

from __future__ import annotations

import heapq
import hmac
import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from local.providers.stripe import objects
from local.providers.stripe.errors import bad_param
from local.providers.stripe.forms import apply_metadata
from local.providers.stripe.routes import Route, route
from local.providers.stripe.store import new_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.providers.stripe.context import Ctx
    from local.providers.stripe.store import Record, Store

logger = logging.getLogger(__name__)

#: seconds to wait before each retry of a failed delivery
RETRY_DELAYS = (0.2, 1.0, 3.0)


def eventbridge_entry(event: dict[str, Any], *, bus_name: str, source: str) -> dict[str, Any]:
    """A PutEvents entry as Stripe's Amazon EventBridge integration sends it: the detail-type is the
    Stripe event type and the detail is the whole Event."""
    return {
        "Time": datetime.fromtimestamp(event["created"], UTC),
        "Source": source,
        "Resources": [],
        "DetailType": event["type"],
        "Detail": json.dumps(event),
        "EventBusName": bus_name,
    }


def signature_header(payload: str, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def matching_endpoints(store: Store, event: dict[str, Any]) -> list[Record]:
    """Enabled endpoints that want ``event``: Connect endpoints get connected accounts' events,
    account endpoints get the platform's own."""
    is_connect = "account" in event
    return [
        record
        for record in store.all("webhook_endpoint", store.platform_account_id)
        if record.obj["status"] == "enabled"
        and bool(record.private.get("connect")) == is_connect
        and ("*" in record.obj["enabled_events"] or event["type"] in record.obj["enabled_events"])
    ]


# routes ----------------------------------------------------------------------------------------
def _type_matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return event_type == pattern


def list_events(ctx: Ctx) -> dict[str, Any]:
    ctx.require_secret_key()
    pattern = ctx.params.text("type")
    types = ctx.params.texts("types")

    def matches(record: Record) -> bool:
        kind = record.obj["type"]
        if pattern is not None and not _type_matches(pattern, kind):
            return False
        return not types or kind in types

    return ctx.page(ctx.store.all("event", ctx.account, matches), "event")


def retrieve_event(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(ctx.store.get("event", id, ctx.account).obj)


def _enabled_events(ctx: Ctx, *, required: bool) -> list[str] | None:
    events = ctx.params.texts("enabled_events")
    if not events:
        if required:
            raise bad_param(
                "Missing required param: enabled_events.", param="enabled_events", code="parameter_missing"
            )
        return None
    for name in events:
        if name != "*" and ("." not in name or " " in name):
            raise bad_param(f"Invalid event type: {name}", param="enabled_events")
    return events


def _url(ctx: Ctx) -> str | None:
    url = ctx.params.text("url")
    if url is not None and not url.startswith(("http://", "https://")):
        raise bad_param(f"Invalid URL: {url}", param="url", code="url_invalid")
    return url


def _endpoint_object(
    url: str, enabled_events: list[str], *, created: int, description: str | None
) -> dict[str, Any]:
    return {
        "id": new_id("we_"),
        "object": "webhook_endpoint",
        "api_version": None,
        "application": None,
        "created": created,
        "description": description,
        "enabled_events": enabled_events,
        "livemode": False,
        "metadata": {},
        "status": "enabled",
        "url": url,
    }


def add_configured_endpoint(
    store: Store,
    url: str,
    *,
    secret: str,
    connect: bool,
    created: int,
    enabled_events: tuple[str, ...] = ("*",),
) -> str:
    """An endpoint with a signing secret chosen by the caller (Stripe always generates it; the
    local cloud configures its receiver with a known one). Returns its id. Hold ``store.lock``."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    if not secret.startswith("whsec_"):
        raise ValueError("a webhook signing secret starts with whsec_")
    endpoint = _endpoint_object(
        url, list(enabled_events), created=created, description="configured by the local cloud"
    )
    store.add(endpoint, store.platform_account_id, secret=secret, connect=connect)
    return str(endpoint["id"])


def create_webhook_endpoint(ctx: Ctx) -> dict[str, Any]:
    ctx.require_platform("create a webhook endpoint")
    url = _url(ctx)
    if url is None:
        raise bad_param("Missing required param: url.", param="url", code="parameter_missing")
    secret = "whsec_" + new_id("", 32)
    endpoint = _endpoint_object(
        url,
        _enabled_events(ctx, required=True) or [],
        created=ctx.now,
        description=ctx.params.text("description"),
    )
    endpoint["api_version"] = ctx.params.text("api_version")
    endpoint["metadata"] = apply_metadata({}, ctx.params.get("metadata"))
    ctx.store.add(endpoint, ctx.platform, secret=secret, connect=ctx.params.flag("connect"))
    shown = ctx.render(endpoint)
    shown["secret"] = secret
    return shown


def _endpoint(ctx: Ctx, endpoint_id: str) -> Record:
    ctx.require_platform("manage webhook endpoints")
    return ctx.store.get("webhook_endpoint", endpoint_id, ctx.platform)


def retrieve_webhook_endpoint(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(_endpoint(ctx, id).obj)


def update_webhook_endpoint(ctx: Ctx, id: str) -> dict[str, Any]:
    endpoint = _endpoint(ctx, id).obj
    url = _url(ctx)
    if url is not None:
        endpoint["url"] = url
    events = _enabled_events(ctx, required=False)
    if events is not None:
        endpoint["enabled_events"] = events
    if "disabled" in ctx.params:
        endpoint["status"] = "disabled" if ctx.params.flag("disabled") else "enabled"
    if "description" in ctx.params:
        endpoint["description"] = ctx.params.text("description")
    endpoint["metadata"] = apply_metadata(endpoint["metadata"], ctx.params.get("metadata"))
    return ctx.render(endpoint)


def delete_webhook_endpoint(ctx: Ctx, id: str) -> dict[str, Any]:
    _endpoint(ctx, id)
    ctx.store.remove(id)
    return objects.deleted(id, "webhook_endpoint")


def list_webhook_endpoints(ctx: Ctx) -> dict[str, Any]:
    ctx.require_platform("list webhook endpoints")
    return ctx.page(ctx.store.all("webhook_endpoint", ctx.platform), "webhook_endpoint")


_ENDPOINT = "url enabled_events connect description metadata api_version"
_ENDPOINT_UPDATE = "url enabled_events disabled description metadata"

ROUTES: list[Route] = [
    route("GET", "/v1/events", list_events, "type types delivery_success"),
    route("GET", "/v1/events/<id>", retrieve_event),
    route("POST", "/v1/webhook_endpoints", create_webhook_endpoint, _ENDPOINT),
    route("GET", "/v1/webhook_endpoints", list_webhook_endpoints),
    route("GET", "/v1/webhook_endpoints/<id>", retrieve_webhook_endpoint),
    route("POST", "/v1/webhook_endpoints/<id>", update_webhook_endpoint, _ENDPOINT_UPDATE),
    route("DELETE", "/v1/webhook_endpoints/<id>", delete_webhook_endpoint),
]


# delivery --------------------------------------------------------------------------------------
@dataclass
class Delivery:
    """One attempt at POSTing an event to an endpoint, as recorded for inspection."""

    event_id: str
    endpoint_id: str
    url: str
    attempt: int
    status: int | None
    error: str | None = None


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    event: dict[str, Any] = field(compare=False)
    endpoint_id: str = field(compare=False)
    url: str = field(compare=False)
    secret: str = field(compare=False)
    attempt: int = field(compare=False, default=1)


class WebhookDispatcher:
    """POSTs signed events to endpoints on one worker thread, retrying failures with backoff.

    Signatures carry the time of ``wall_clock`` (the real time by default), because receivers
    check them against their own clock with a five-minute tolerance: a receiver hosted in the
    local cloud reads the local cloud's clock, which is then the one to sign with.
    """

    def __init__(
        self,
        on_delivered: Callable[[str], None],
        *,
        wall_clock: Callable[[], float] = time.time,
        timeout: float = 5.0,
    ) -> None:
        self._on_delivered = on_delivered
        self._wall_clock = wall_clock
        self._timeout = timeout
        self._jobs: list[_Job] = []
        self._seq = itertools.count()
        self._busy = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.deliveries: list[Delivery] = []

    def enqueue(self, event: dict[str, Any], endpoint_id: str, url: str, secret: str) -> None:
        with self._cond:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="stripe-webhooks", daemon=True)
                self._thread.start()
            heapq.heappush(
                self._jobs, _Job(time.monotonic(), next(self._seq), event, endpoint_id, url, secret)
            )
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or in flight; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._jobs.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=self._timeout + 1)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._jobs or self._jobs[0].due > time.monotonic()):
                    wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                    self._cond.wait(wait)
                if self._stopping:
                    return
                job = heapq.heappop(self._jobs)
                self._busy += 1
            try:
                self._attempt(job)
            except Exception:  # a delivery problem must never stop the worker
                logger.exception("webhook delivery of %s crashed", job.event["id"])
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _attempt(self, job: _Job) -> None:
        payload = json.dumps(job.event, indent=2)
        timestamp = int(self._wall_clock())
        request = urllib.request.Request(  # noqa: S310 - endpoint URLs are checked to be http(s)
            job.url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                "Stripe-Signature": signature_header(payload, job.secret, timestamp),
            },
        )
        status: int | None = None
        error: str | None = None
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status, error = exc.code, str(exc)
        except (OSError, ValueError) as exc:
            error = str(exc)
        self.deliveries.append(
            Delivery(job.event["id"], job.endpoint_id, job.url, job.attempt, status, error)
        )
        if status is not None and 200 <= status < 300:
            self._on_delivered(job.event["id"])
            return
        if job.attempt > len(RETRY_DELAYS):
            logger.warning("webhook %s to %s failed after %d attempts", job.event["id"], job.url, job.attempt)
            return
        retry = _Job(
            time.monotonic() + RETRY_DELAYS[job.attempt - 1],
            next(self._seq),
            job.event,
            job.endpoint_id,
            job.url,
            job.secret,
            job.attempt + 1,
        )
        with self._cond:
            if not self._stopping:
                heapq.heappush(self._jobs, retry)
                self._cond.notify_all()
