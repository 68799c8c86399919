"""The local cloud, assembled: databases, AWS stand-in, provider stand-ins, delivery, API.

One object that ``make dev``, ``make demo``, the benchmarks and the test suite's session fixture
all start the same way. Every part binds 127.0.0.1 on a free port and is stopped by ``stop()``
(also on an exception half-way through ``start()``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from local.cloud.aws import TMP_THREADS, LocalAws
from local.cloud.clock import ClockControl, ScaledClock, VirtualClock
from local.cloud.delivery import Deliveries, SqsPoller
from local.cloud.patching import require
from local.cloud.provision import Provisioned, provision
from local.cloud.scheduler import Scheduler
from local.cloud.websocket import LocalWebSocketApi
from local.console import ConsoleContext, make_console_app
from local.databases import LocalDatabases
from local.gateway import Gateway
from local.http import RunningServer, serve
from local.providers.outbox import Outbox
from local.providers.sendgrid import SendGridStandIn
from local.providers.stripe import StripeStandIn, eventbridge_entry
from local.providers.twilio import TwilioStandIn
from local.seed import TokenApp
from stacks.model import Cors
from stacks.topology import TOPOLOGY, Topology

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from local.cloud.functions import InvocationResult

log = logging.getLogger("resale.local")
_T = TypeVar("_T")

#: the source Stripe's EventBridge integration puts on its events (the bus is local and custom)
STRIPE_EVENT_SOURCE = "aws.partner/stripe.com/ed_local"
#: the signing secrets of the stand-in's webhook endpoints (account, Connect), local only: a
#: deployed stage reads ``webhook_secret`` from its Stripe secret
STRIPE_WEBHOOK_SECRETS = ("whsec_resale_local_account", "whsec_resale_local_connect")
SENDER_EMAIL = "no-reply@resale.local"
SMS_SENDER = "+15005550006"


@dataclass
class LocalCloudConfig:
    #: "virtual": waits and retries complete at once (tests); "scaled" (dev): waits take clock time,
    #: which flows at real speed times ``time_factor``; both jump with ``POST /_local/clock/advance``
    clock: Literal["virtual", "scaled"] = "virtual"
    time_factor: float = 1.0
    stage: str = "local"
    api_port: int = 0
    topology: Topology = field(default_factory=lambda: TOPOLOGY)
    #: poll SQS in a background thread (dev); tests may drain queues explicitly instead
    poll_queues: bool = True
    #: databases already running (the test session's); when None, throwaway ones are started
    postgres_url: str | None = None
    mongodb_uri: str | None = None
    mongodb_database: str = "resale"
    #: also deliver Stripe's events as signed webhooks to POST /webhooks/stripe (off: EventBridge
    #: only); :meth:`LocalCloud.deliver_stripe_events` switches either way while running
    stripe_webhooks: bool = False
    #: the local cloud's own stage settings (a deployed stage gives them in cdk.json): the browser
    #: origins of a local web client, and where Stripe's onboarding sends the seller back
    cors_allowed_origins: tuple[str, ...] = ("http://localhost:3000", "http://127.0.0.1:3000")
    onboarding_return_url: str = "http://localhost:3000/sell/onboarding/done"
    onboarding_refresh_url: str = "http://localhost:3000/sell/onboarding"


class LocalCloud:
    def __init__(self, config: LocalCloudConfig | None = None) -> None:
        self.config = config or LocalCloudConfig()
        self.clock: VirtualClock | ScaledClock = (
            VirtualClock() if self.config.clock == "virtual" else ScaledClock(self.config.time_factor)
        )
        self.outbox = Outbox(clock=self.clock.now)
        self.databases: LocalDatabases | None = None
        self.postgres_url: str | None = None
        self.mongodb_uri: str | None = None
        self.aws: LocalAws | None = None
        self.provisioned: Provisioned | None = None
        self.stripe: StripeStandIn | None = None
        self.twilio: TwilioStandIn | None = None
        self.sendgrid: SendGridStandIn | None = None
        self.poller: SqsPoller | None = None
        self.scheduler: Scheduler | None = None
        #: the clock as a person moves it: GET /_local/clock, POST /_local/clock/advance, the console
        self.clock_control: ClockControl | None = None
        self.gateway: Gateway | None = None
        self.api: RunningServer | None = None
        #: the topology's WebSocket APIs, served on 127.0.0.1 (``local/cloud/websocket.py``)
        self.websockets: dict[str, LocalWebSocketApi] = {}
        self.timings: dict[str, float] = {}
        self._stack = contextlib.ExitStack()
        self._saved_environ: dict[str, str] | None = None
        self._verify_sid: str | None = None
        #: how Stripe's events leave the stand-in: onto the Stripe bus, and/or to webhook endpoints
        self._stripe_to_bus = True
        self._webhook_endpoints: list[str] = []

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> LocalCloud:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _timed(self, name: str, started: float) -> None:
        self.timings[name] = round(time.perf_counter() - started, 3)

    def _start(self) -> None:
        t = time.perf_counter()
        if self.config.postgres_url and self.config.mongodb_uri:
            self.postgres_url, self.mongodb_uri = self.config.postgres_url, self.config.mongodb_uri
        else:
            self.databases = self._stack.enter_context(LocalDatabases())
            self.postgres_url, self.mongodb_uri = self.databases.postgres_url, self.databases.mongodb_uri
        self._timed("databases", t)

        t = time.perf_counter()
        self.aws = LocalAws(clock=self.clock)
        self.aws.start()
        self._stack.callback(self.aws.stop)
        self._timed("aws", t)

        t = time.perf_counter()
        # webhook signatures carry the local cloud's time: the receiving handler reads that clock
        self.stripe = StripeStandIn(clock=self.clock.now, webhook_clock=self.clock.now)
        self.stripe.start()
        self._stack.callback(self.stripe.stop)
        self.twilio = TwilioStandIn(self.outbox, clock=self.clock.now)
        self.twilio.start()
        self._stack.callback(self.twilio.stop)
        self.sendgrid = SendGridStandIn(self.outbox, clock=self.clock.now)
        self.sendgrid.start()
        self._stack.callback(self.sendgrid.stop)
        self._timed("providers", t)

        t = time.perf_counter()
        self._saved_environ = dict(os.environ)
        os.environ.update(self.process_environment())
        self.provisioned = provision(
            self.aws,
            self.config.topology,
            stage=self.config.stage,
            stripe_bus_name=f"resale-{self.config.stage}-stripe-bus",
            base_environment=self.function_environment(),
            websocket_endpoints=self._start_websockets(self.aws),
        )
        self.stripe.add_event_sink(self._stripe_to_eventbridge)
        self._timed("provision", t)
        # metrics are off locally (EMF lines are CloudWatch's input), and Powertools keeps a
        # disabled Metrics' values forever: drop them after each invocation
        from lambdas.observability import metrics

        self.aws.functions.after_invoke.append(lambda _: metrics.clear_metrics())

        # what a deploy's triggers run once (the schema: migrations and every MongoDB index of
        # the functions' database), the local cloud runs once per start, through the same function
        self._run_on_deploy_functions()

        self.poller = SqsPoller(
            self.aws, self.config.topology, self.provisioned, fast_retry=self.config.clock == "virtual"
        )
        if self.config.poll_queues:
            self.poller.start()
        self._stack.callback(self.poller.stop)
        # settling the asynchronous deliveries waits for the SQS consumers they feed as well
        self.aws.deliveries.also_settle.append(self.poller.poll_once)

        # schedule rules fire on their own only at real (scaled) time; tests fire them by hand
        self.scheduler = Scheduler(self.aws, self.config.topology, self.provisioned, now=self.clock.now)
        if self.config.clock == "scaled":
            self.scheduler.start()
        self._stack.callback(self.scheduler.stop)
        self.clock_control = ClockControl(
            self.clock,
            mode=self.config.clock,
            time_factor=self.config.time_factor,
            threads=lambda: list(require(TMP_THREADS)),  # every thread of the interpreter
            settle=self.aws.deliveries.settle,
            schedules=self.scheduler.due,
        )

        t = time.perf_counter()
        console = make_console_app(
            ConsoleContext(
                stepfunctions=self.aws.client("stepfunctions"),
                sqs=self.aws.client("sqs"),
                outbox=self.outbox,
                ses_sources=((self.aws.account_id, self.aws.region),),
                clock=self.clock.now,
                time=self.clock_control,
            )
        )
        self.gateway = Gateway(
            self.aws,
            self.config.topology,
            self.provisioned,
            clock=self.clock.now,
            local_apps={
                "/_local/console": console,
                "/_local/outbox": console,
                "/_local/token": TokenApp(self),
                "/_local/clock": console,
            },
            local_config=self.describe,
            cors=Cors(allowed_origins=self.config.cors_allowed_origins),
        )
        self.api = serve(self.gateway, "api", port=self.config.api_port)
        self._stack.callback(self.api.stop)
        self._timed("api", t)
        if self.config.stripe_webhooks:
            self.deliver_stripe_events(eventbridge=True, webhooks=True)

    def _start_websockets(self, aws: LocalAws) -> dict[str, str]:
        """Serve the topology's WebSocket APIs; their ``@connections`` URLs, which provisioning
        gives the functions that push. Frames reach the functions once they are provisioned."""

        def invoke(name: str, event: dict[str, Any]) -> InvocationResult:
            local_aws, provisioned = self.started()
            return local_aws.functions.invoke(provisioned.physical_name(name), event)

        for spec in self.config.topology.websocket_apis:
            served = LocalWebSocketApi(
                spec, clock=self.clock.now, region=aws.region, account_id=aws.account_id
            )
            served.attach(invoke)
            self._stack.callback(served.stop)
            self.websockets[spec.name] = served.start()
        return {name: served.management_url for name, served in self.websockets.items()}

    def _run_on_deploy_functions(self) -> None:
        t = time.perf_counter()
        aws, provisioned = self._require(self.aws, "aws"), self._require(self.provisioned, "provisioned")
        for spec in self.config.topology.functions:
            if spec.on_deploy:
                ran = aws.functions.invoke(provisioned.physical_name(spec.name), {})
                if ran.error_type is not None:
                    raise RuntimeError(f"{spec.name} failed at start: {ran.error_type}: {ran.error_message}")
        self._timed("on_deploy", t)

    def stop(self) -> None:
        self._stack.close()
        self._stack = contextlib.ExitStack()
        if self._saved_environ is not None:
            os.environ.clear()
            os.environ.update(self._saved_environ)
            self._saved_environ = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- wiring ----------------------------------------------------------------------------

    def _require(self, value: _T | None, what: str) -> _T:
        if value is None:
            raise RuntimeError(f"the local cloud is not started ({what} missing)")
        return value

    def process_environment(self) -> dict[str, str]:
        """What the SDKs in this process need to reach the stand-ins (as a Lambda's env would)."""
        aws = self._require(self.aws, "aws")
        return {
            "AWS_ENDPOINT_URL": aws.endpoint_url,
            "AWS_REGION": aws.region,
            "AWS_DEFAULT_REGION": aws.region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "resale",
            "POWERTOOLS_METRICS_NAMESPACE": "Resale",
            # EMF lines on stdout are CloudWatch's input; locally they would only be noise
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        }

    def function_environment(self) -> dict[str, str]:
        """What every function gets locally in place of the deployed secrets."""
        stripe = self._require(self.stripe, "stripe")
        twilio = self._require(self.twilio, "twilio")
        sendgrid = self._require(self.sendgrid, "sendgrid")
        return {
            "STAGE": self.config.stage,
            "DATABASE_URL": self._require(self.postgres_url, "postgres"),
            "MONGODB_URI": self._require(self.mongodb_uri, "mongodb"),
            "MONGODB_DATABASE": self.config.mongodb_database,
            "STRIPE_API_BASE": stripe.url,
            "STRIPE_SECRET_KEY": stripe.secret_key,
            "STRIPE_PUBLISHABLE_KEY": stripe.publishable_key,
            "STRIPE_WEBHOOK_SECRET": ",".join(STRIPE_WEBHOOK_SECRETS),
            "TWILIO_API_BASE": self._require(twilio.url, "twilio"),
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": SMS_SENDER,
            "TWILIO_VERIFY_SERVICE_SID": self._verify_service_sid(),
            "SENDGRID_API_BASE": self._require(sendgrid.url, "sendgrid"),
            "SENDGRID_API_KEY": sendgrid.api_key,
            "EMAIL_SENDER": SENDER_EMAIL,
            "ONBOARDING_RETURN_URL": self.config.onboarding_return_url,
            "ONBOARDING_REFRESH_URL": self.config.onboarding_refresh_url,
            "CORS_ALLOWED_ORIGINS": json.dumps(list(self.config.cors_allowed_origins)),
            "ADMIN_EMAIL": "admin@resale.local",  # the seeded admin (local/seed.py): told of failed refunds
            "EMAIL_PROVIDER": os.environ.get("EMAIL_PROVIDER", "sendgrid"),
        }

    def _verify_service_sid(self) -> str:
        """The Twilio Verify service phone checks use (created once in the stand-in)."""
        if self._verify_sid is None:
            from adapters.providers import twilio_client

            twilio = self._require(self.twilio, "twilio")
            client = twilio_client(twilio.account_sid, twilio.auth_token, api_base=twilio.url)
            self._verify_sid = str(client.verify.v2.services.create(friendly_name="Resale").sid)
        return self._verify_sid

    def deliver_stripe_events(self, *, eventbridge: bool = True, webhooks: bool = False) -> None:
        """How the Stripe stand-in hands its events over: onto the Stripe bus (as Stripe's
        EventBridge integration does) and/or as signed webhooks to ``POST /webhooks/stripe`` (an
        account endpoint and a Connect endpoint, each with its secret of
        :data:`STRIPE_WEBHOOK_SECRETS`). Default: EventBridge only."""
        stripe = self._require(self.stripe, "stripe")
        self._stripe_to_bus = eventbridge
        if webhooks and not self._webhook_endpoints:
            url = f"{self.api_url}/webhooks/stripe"
            account_secret, connect_secret = STRIPE_WEBHOOK_SECRETS
            self._webhook_endpoints = [
                stripe.add_webhook_endpoint(url, secret=account_secret),
                stripe.add_webhook_endpoint(url, secret=connect_secret, connect=True),
            ]
        elif not webhooks:
            for endpoint_id in self._webhook_endpoints:
                stripe.remove_webhook_endpoint(endpoint_id)
            self._webhook_endpoints = []

    def _stripe_to_eventbridge(self, event: dict[str, Any]) -> None:
        if not self._stripe_to_bus:
            return
        aws, provisioned = self._require(self.aws, "aws"), self._require(self.provisioned, "provisioned")
        entry = eventbridge_entry(
            event, bus_name=provisioned.names[("bus", "stripe")], source=STRIPE_EVENT_SOURCE
        )
        result = aws.client("events").put_events(Entries=[entry])
        if result.get("FailedEntryCount"):
            log.error("Stripe event %s was not put on the bus: %s", event.get("id"), result["Entries"])

    # -- what people and tests read --------------------------------------------------------

    def started(self) -> tuple[LocalAws, Provisioned]:
        """The AWS stand-in and what was provisioned in it; raises unless the cloud is started."""
        return self._require(self.aws, "aws"), self._require(self.provisioned, "provisioned")

    @property
    def api_url(self) -> str:
        return self._require(self.api, "api").url

    @property
    def console_url(self) -> str:
        return f"{self.api_url}/_local/console"

    @property
    def websocket_url(self) -> str | None:
        """Where WebSocket clients connect (``?token=<id token>``): the first WebSocket API's URL."""
        return next((w.url for w in self.websockets.values()), None)

    def describe(self) -> dict[str, Any]:
        """``GET /_local/config``: where everything is, and the stand-ins' test keys."""
        aws = self._require(self.aws, "aws")
        provisioned = self._require(self.provisioned, "provisioned")
        stripe = self._require(self.stripe, "stripe")
        return {
            "api_url": self.api_url,
            "console_url": self.console_url,
            "websocket_url": self.websocket_url,
            "websocket_apis": {
                name: {"url": w.url, "connections_url": w.management_url}
                for name, w in self.websockets.items()
            },
            "aws": {
                "endpoint_url": aws.endpoint_url,
                "region": aws.region,
                "account_id": aws.account_id,
                "user_pool_id": provisioned.user_pool_id,
                "user_pool_client_id": provisioned.user_pool_client_id,
                "stripe_event_bus": provisioned.names[("bus", "stripe")],
            },
            "stripe": {
                "api_base": stripe.url,
                "secret_key": stripe.secret_key,
                "publishable_key": stripe.publishable_key,
                "webhooks": {
                    "url": f"{self.api_url}/webhooks/stripe",
                    "delivered": bool(self._webhook_endpoints),
                    "signing_secrets": list(STRIPE_WEBHOOK_SECRETS),
                },
            },
            "twilio": {"api_base": self._require(self.twilio, "twilio").url},
            "sendgrid": {"api_base": self._require(self.sendgrid, "sendgrid").url},
            "clock": {
                "mode": self.config.clock,
                "time_factor": self.config.time_factor,
                "url": f"{self.api_url}/_local/clock",
            },
            "timings_s": self.timings,
        }

    @property
    def deliveries(self) -> Deliveries:
        """Lambda's asynchronous invocations: ``settle()``, ``drain()``, ``inject(...)``, stats."""
        return self._require(self.aws, "aws").deliveries

    def settle(self, timeout_s: float = 30.0) -> None:
        """Wait until no asynchronous invocation is due or running and the SQS consumers are
        idle, including what they caused; what is due later (back-off, injected delays) waits
        for the clock. Use this instead of sleeping after publishing something."""
        self.deliveries.settle(timeout_s)

    def wait_until(
        self, predicate: Callable[[], bool], *, timeout_s: float = 10.0, what: str = "condition"
    ) -> None:
        """Poll (real time) until ``predicate`` holds; for tests of asynchronous deliveries.
        Between looks, the asynchronous invocations that are due are let finish."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            with contextlib.suppress(TimeoutError):
                self.deliveries.settle_queue(max(deadline - time.monotonic(), 0.001))
            time.sleep(0.01)
        raise TimeoutError(f"timed out after {timeout_s}s waiting for {what}")
