"""The WSGI application: authentication, routing, idempotency keys, failure injection, errors."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import random
import socket
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from local.providers.stripe import connect, disputes, events, onboarding, payments
from local.providers.stripe.context import API_VERSION, Ctx
from local.providers.stripe.errors import StripeError, api_error
from local.providers.stripe.forms import Params, decode
from local.providers.stripe.store import IdempotencyRecord, new_id

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from wsgiref.types import StartResponse, WSGIEnvironment

    from local.providers.stripe.routes import Route
    from local.providers.stripe.store import Store

logger = logging.getLogger(__name__)

#: Stripe keeps idempotency keys for 24 hours
IDEMPOTENCY_TTL = 24 * 3600
ONBOARDING_PREFIX = "/connect/onboarding/"
ROUTES: list[Route] = [*payments.ROUTES, *connect.ROUTES, *events.ROUTES, *disputes.ROUTES]


class InjectedCrash(RuntimeError):
    """An unexpected failure in the middle of a request, injected by a test (``fail_next(during=True)``)."""


def _in_progress(key: str) -> StripeError:
    """Stripe's answer to a request whose idempotency key another request is executing with."""
    return StripeError(
        409,
        "There is currently another in-progress request using this Stripe-Idempotency-Key (that probably "
        f"means you submitted twice, and the other request is still going through): {key}. Please try "
        "again later.",
        type_="idempotency_error",
        saved=False,
    )


@dataclass
class Chaos:
    """Faults on a share of the API's requests (``StripeStandIn.inject_faults``): each picked
    request either fails before executing, as Stripe's ``api_error`` 500 (nothing done, nothing
    saved under its idempotency key), or executes and never gets its answer: the connection is
    closed instead, which is what a client sees when its timeout passes (it cannot know whether
    the request went through: a retry with the same idempotency key must get the saved result)."""

    share: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    #: only requests whose path starts with one of these (default: every API request)
    path_prefixes: tuple[str, ...] = ("/v1/",)
    errors: int = 0
    lost: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def pick(self, path: str) -> str | None:
        """None (served normally), "error" or "lost"."""
        if self.share <= 0 or not path.startswith(self.path_prefixes):
            return None
        with self.lock:
            if self.rng.random() >= self.share:
                return None
            kind = "error" if self.rng.random() < 0.5 else "lost"
            if kind == "error":
                self.errors += 1
            else:
                self.lost += 1
            return kind


def _drop_connection(environ: WSGIEnvironment) -> None:
    """Close the client's connection without an answer (werkzeug's server hands the socket)."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            logger.debug("the client was already gone")


class StripeApp:
    """Serves Stripe's API v1 over one :class:`Store`. Each request runs under the store's lock,
    so requests are atomic with respect to each other; the events a request caused are handed to
    ``publish`` after the lock is released.

    Idempotency keys behave as Stripe's: a request with a key is in flight from the moment it
    starts executing until its events are published; another request with the same key meanwhile
    is a 409 ``idempotency_error`` (nothing saved: retry it). Once done, its result is saved, an
    unexpected 500 included, and replayed for the same key and parameters; the same key with
    other parameters (or another endpoint) is a 400 ``idempotency_error``. Requests that fail
    validation, or before they execute (injected failures), are not saved."""

    def __init__(
        self,
        store: Store,
        *,
        secret_key: str,
        publishable_key: str,
        clock: Callable[[], float],
        pending_seconds: int,
        publish: Callable[[list[dict[str, Any]]], None],
    ) -> None:
        self._store = store
        self._secret_key = secret_key
        self._publishable_key = publishable_key
        self._clock = clock
        self._pending_seconds = pending_seconds
        self._publish = publish
        self._routes = {f"{i}": r for i, r in enumerate(ROUTES)}
        #: request id -> the (account, key) it holds in flight (released when it is answered)
        self._claimed: dict[str, tuple[str, str]] = {}
        self._map = Map(
            [Rule(r.path, methods=[r.method], endpoint=key) for key, r in self._routes.items()],
            strict_slashes=False,
        )
        #: injected faults (none unless a test or the benchmark asks)
        self.chaos = Chaos()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        fault = self.chaos.pick(request.path)
        try:
            if fault == "error":
                response = self._error(api_error(500), new_id("req_", 14), request)
            else:
                response = self.handle(request)
        except Exception:  # the server must answer, whatever happened
            logger.exception("unexpected failure in the Stripe stand-in")
            response = self._error(api_error(500), new_id("req_", 14), request)
        if fault == "lost":
            _drop_connection(environ)
        return response(environ, start_response)

    # requests --------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        request_id = new_id("req_", 14)
        if request.path.startswith(ONBOARDING_PREFIX):
            return self._onboarding(request, request.path[len(ONBOARDING_PREFIX) :].strip("/"))
        try:
            publishable = self._authenticate(request)
            self._inject_failure(request.path)
            route, path_args = self._route(request)
            if publishable and not route.publishable:
                raise StripeError(
                    401,
                    "This API call cannot be made with a publishable API key. Please use a secret API key. "
                    "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
                    saved=False,
                )
            pairs = parse_qsl(request.query_string.decode(), keep_blank_values=True)
            if request.method == "POST":
                pairs += parse_qsl(request.get_data(as_text=True), keep_blank_values=True)
            params = Params(decode(pairs))
            params.check_known(route.params)
        except StripeError as exc:
            return self._error(exc, request_id, request)
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        if key is not None and len(key) > 255:
            return self._error(
                StripeError(400, "Idempotency keys can be at most 255 characters long.", saved=False),
                request_id,
                request,
            )
        try:
            return self._execute(
                request,
                request_id,
                route=route,
                path_args=path_args,
                params=params,
                publishable=publishable,
                key=key,
            )
        finally:  # answered (or failed): the key is no longer in flight
            with self._store.lock:
                claimed = self._claimed.pop(request_id, None)
                if claimed is not None:
                    self._store.in_flight.discard(claimed)

    def _execute(
        self,
        request: Request,
        request_id: str,
        *,
        route: Route,
        path_args: dict[str, str],
        params: Params,
        publishable: bool,
        key: str | None,
    ) -> Response:
        now = int(self._clock())
        outbox: list[dict[str, Any]] = []
        with self._store.lock:
            try:
                account = self._acting_account(request)
            except StripeError as exc:
                return self._error(exc, request_id, request)
            fingerprint = (request.method, request.path, params.data)
            scope = (account, key or "")
            if key is not None:
                if scope in self._store.in_flight:
                    return self._error(_in_progress(key), request_id, request)
                replay = self._replay(scope, fingerprint, now, request_id, request)
                if replay is not None:
                    return replay
                self._store.in_flight.add(scope)
                self._claimed[request_id] = scope
            ctx = Ctx(
                store=self._store,
                now=now,
                account=account,
                params=params,
                path=request.path,
                base_url=request.host_url.rstrip("/"),
                request_id=request_id,
                idempotency_key=key,
                publishable=publishable,
                pending_seconds=self._pending_seconds,
                count_webhooks=lambda event: len(events.matching_endpoints(self._store, event)),
            )
            save = True
            try:
                self._inject_failure(request.path, during=True)
                body: dict[str, Any] = route.handler(ctx, **path_args)
                status = 200
            except StripeError as exc:
                status, body, save = exc.status, exc.body(request_id), exc.saved
            except Exception:
                # it started executing: Stripe saves the 500 and replays it for the same key
                logger.exception("unexpected failure handling %s %s", request.method, request.path)
                status, body = 500, api_error(500).body(request_id)
            payload = json.dumps(body, indent=2).encode()
            if key is not None and save:
                self._store.idempotency[scope] = IdempotencyRecord(
                    fingerprint, now, status, payload, request_id
                )
            outbox = ctx.outbox
        self._publish(outbox)
        return self._json(payload, status, request_id, request)

    def _authenticate(self, request: Request) -> bool:
        """The key's kind: True for the publishable key, False for the secret key."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        supplied = ""
        if scheme.lower() == "bearer":
            supplied = value.strip()
        elif scheme.lower() == "basic":
            try:
                supplied = base64.b64decode(value.strip()).decode().split(":", 1)[0]
            except (binascii.Error, UnicodeDecodeError):
                supplied = "?"
        if not supplied:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization "
                "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
                "https://stripe.com/docs/api#authentication for details, or we can help at "
                "https://support.stripe.com/.",
                saved=False,
                headers={"WWW-Authenticate": 'Bearer realm="Stripe"'},
            )
        if supplied == self._secret_key:
            return False
        if supplied == self._publishable_key:
            return True
        masked = supplied[:8] + "*" * max(0, len(supplied) - 12) + supplied[-4:]
        raise StripeError(
            401,
            f"Invalid API Key provided: {masked}",
            saved=False,
            headers={"WWW-Authenticate": 'Bearer realm="Stripe"'},
        )

    def _inject_failure(self, path: str, *, during: bool = False) -> None:
        """Fail as a spent rule says: before executing as Stripe's ``api_error`` (or rate limit),
        or while executing as an unexpected exception (``during``)."""
        with self._store.lock:
            for rule in self._store.failures:
                if rule.remaining > 0 and rule.during == during and path.startswith(rule.path_prefix):
                    rule.remaining -= 1
                    self._store.failures = [r for r in self._store.failures if r.remaining > 0]
                    if during:
                        raise InjectedCrash(f"injected failure while executing {path}")
                    raise api_error(rule.status)

    def _route(self, request: Request) -> tuple[Route, dict[str, str]]:
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except (NotFound, MethodNotAllowed):
            raise StripeError(
                404,
                f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                saved=False,
            ) from None
        return self._routes[str(endpoint)], {k: str(v) for k, v in args.items()}

    def _acting_account(self, request: Request) -> str:
        platform = self._store.platform_account_id
        header = request.headers.get("Stripe-Account")
        if not header or header == platform:
            return platform
        record = self._store.find(header)
        if record is None or record.obj.get("object") != "account" or record.owner != platform:
            raise StripeError(
                403,
                f"The provided key does not have access to account '{header}' (or that account does not "
                "exist). Application access may have been revoked.",
                code="account_invalid",
                saved=False,
            )
        return header

    def _replay(
        self,
        scope: tuple[str, str],
        fingerprint: tuple[str, str, Any],
        now: int,
        request_id: str,
        request: Request,
    ) -> Response | None:
        record = self._store.idempotency.get(scope)
        if record is not None and record.created + IDEMPOTENCY_TTL <= now:
            del self._store.idempotency[scope]
            record = None
        if record is None:
            return None
        key = scope[1]
        if record.fingerprint[:2] != fingerprint[:2]:
            return self._error(
                StripeError(
                    400,
                    "Keys for idempotent requests can only be used for the same endpoint they were first "
                    f"used for ('{record.fingerprint[1]}' vs '{fingerprint[1]}'). Try using a key other than "
                    f"'{key}' if you meant to execute a different request.",
                    type_="idempotency_error",
                    saved=False,
                ),
                request_id,
                request,
            )
        if record.fingerprint[2] != fingerprint[2]:
            return self._error(
                StripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they were first "
                    f"used with. Try using a key other than '{key}' if you meant to execute a different "
                    "request.",
                    type_="idempotency_error",
                    saved=False,
                ),
                request_id,
                request,
            )
        response = self._json(record.body, record.status, request_id, request)
        response.headers["Idempotent-Replayed"] = "true"
        response.headers["Original-Request"] = record.request_id
        return response

    # responses -------------------------------------------------------------------------------
    def _json(self, payload: bytes, status: int, request_id: str, request: Request) -> Response:
        response = Response(payload, status=status, content_type="application/json")
        response.headers["Request-Id"] = request_id
        response.headers["Stripe-Version"] = request.headers.get("Stripe-Version", API_VERSION)
        response.headers["Cache-Control"] = "no-cache, no-store"
        key = request.headers.get("Idempotency-Key")
        if key is not None and request.method == "POST":
            response.headers["Idempotency-Key"] = key
        account = request.headers.get("Stripe-Account")
        if account:
            response.headers["Stripe-Account"] = account
        return response

    def _error(self, exc: StripeError, request_id: str, request: Request) -> Response:
        response = self._json(
            json.dumps(exc.body(request_id), indent=2).encode(), exc.status, request_id, request
        )
        for name, value in exc.headers.items():
            response.headers[name] = value
        return response

    # hosted onboarding -----------------------------------------------------------------------
    def _onboarding(self, request: Request, token: str) -> Response:
        wants_json = "application/json" in request.headers.get("Accept", "")
        now = int(self._clock())
        with self._store.lock:
            link = self._store.links.get(token)
            problem = onboarding.link_problem(link, now)
            account = self._store.find(link.account) if link is not None else None
            if link is None or account is None or problem is not None:
                status = 410 if link is not None and account is not None else 404
                return self._page(status, "Link not usable", problem or "No such account.", wants_json)
            if request.method == "GET":
                return Response(
                    onboarding.form_page(link, account.obj), content_type="text/html; charset=utf-8"
                )
            outcome = request.form.get("outcome") or "complete"
            if request.method != "POST" or outcome not in onboarding.OUTCOMES:
                text = f"POST a form with outcome = one of {', '.join(onboarding.OUTCOMES)}."
                return self._page(400, "Bad request", text, wants_json)
            ctx = Ctx(
                store=self._store,
                now=now,
                account=self._store.platform_account_id,
                params=Params({}),
                path=request.path,
                base_url=request.host_url.rstrip("/"),
            )
            onboarding.apply_outcome(ctx, account, outcome)
            link.used = True
            acct = self._store.render(account.obj, now)
        self._publish(ctx.outbox)
        if wants_json:
            body = {"account": acct, "outcome": outcome, "return_url": link.return_url}
            return Response(json.dumps(body, indent=2), content_type="application/json")
        page = onboarding.message_page("Onboarding submitted", f"Outcome: {outcome}.", link.return_url)
        return Response(page, content_type="text/html; charset=utf-8")

    def _page(self, status: int, title: str, text: str, wants_json: bool) -> Response:
        if wants_json:
            body = {"error": {"type": "invalid_request_error", "message": text}}
            return Response(json.dumps(body), status=status, content_type="application/json")
        return Response(
            onboarding.message_page(title, text), status=status, content_type="text/html; charset=utf-8"
        )
