"""The single declaration of every deployable resource.

Plain dataclasses, no ``aws_cdk`` import: the CDK stacks (``stacks/``) and the local cloud
(``local/``) are both built from :data:`TOPOLOGY`, so what runs locally is what deploys.

Names here are *logical* (``task-tokens``, ``stripe-events``). Each platform turns them into
physical names its own way; environment values are :class:`Ref` objects that each platform
resolves (a table's name, a queue's URL, a state machine's ARN, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
STATEMACHINES_DIR = ROOT / "statemachines"


class Kind(StrEnum):
    """Kinds of resources a :class:`Ref` or :class:`Grant` can point at."""

    TABLE = "table"
    QUEUE = "queue"
    TOPIC = "topic"
    BUS = "bus"
    STATE_MACHINE = "state_machine"
    FUNCTION = "function"
    BUCKET = "bucket"
    USER_POOL = "user_pool"
    USER_POOL_CLIENT = "user_pool_client"
    SECRET = "secret"  # noqa: S105 - a resource kind, not a password


class Attr(StrEnum):
    """Which attribute of a resource a :class:`Ref` resolves to."""

    NAME = "name"
    ARN = "arn"
    URL = "url"
    ID = "id"


@dataclass(frozen=True)
class Ref:
    """A reference to another resource's attribute, resolved per platform."""

    kind: Kind
    name: str
    attr: Attr = Attr.NAME


Access = Literal["read", "write", "read_write", "publish", "consume", "start", "task_response", "send"]


@dataclass(frozen=True)
class Grant:
    """A permission a function needs on one resource (``*`` = every resource of that kind)."""

    kind: Kind | Literal["ses", "cognito_admin"]
    name: str
    access: Access = "read_write"


@dataclass(frozen=True)
class Function:
    """One Lambda function. ``handler`` is the dotted path of the handler callable."""

    name: str
    handler: str
    description: str
    memory_mb: int = 256
    timeout_s: int = 10
    environment: dict[str, str | Ref] = field(default_factory=dict)
    grants: tuple[Grant, ...] = ()
    uses_postgres: bool = False
    uses_mongo: bool = False
    service: str = "resale"

    @property
    def full_environment(self) -> dict[str, str | Ref]:
        """The function's own environment over what every function gets."""
        return {**COMMON_ENVIRONMENT, **self.environment}

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]


Auth = Literal["public", "user", "seller", "admin"]


@dataclass(frozen=True)
class FunctionTarget:
    function: str


@dataclass(frozen=True)
class StartExecutionTarget:
    """A route that starts a state machine, as API Gateway's AWS integration would.

    ``name_from`` is the request-body field used as the execution name (the business id).
    Standard state machines answer 202 with the execution; Express ones run synchronously.
    """

    state_machine: str
    name_from: str


@dataclass(frozen=True)
class Route:
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str
    auth: Auth
    target: FunctionTarget | StartExecutionTarget


@dataclass(frozen=True)
class StateMachine:
    """An ASL file in ``statemachines/``; ``${Key}`` placeholders resolved from ``substitutions``."""

    name: str
    definition: str
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"
    substitutions: dict[str, Ref] = field(default_factory=dict)
    timeout_s: int = 86_400

    @property
    def path(self) -> Path:
        return STATEMACHINES_DIR / self.definition


@dataclass(frozen=True)
class Key:
    name: str
    type: Literal["S", "N"] = "S"


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: Key
    sort_key: Key | None = None


@dataclass(frozen=True)
class Table:
    name: str
    partition_key: Key
    sort_key: Key | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Consumer:
    """An SQS event-source mapping: batches of messages to a function, partial failures reported."""

    function: str
    batch_size: int = 10
    max_batching_window_s: int = 0


@dataclass(frozen=True)
class Queue:
    """A queue, always with a dead-letter queue (``<name>-dlq``) after ``max_receive_count``."""

    name: str
    visibility_timeout_s: int = 60
    max_receive_count: int = 5
    retention_days: int = 4
    consumer: Consumer | None = None

    @property
    def dlq_name(self) -> str:
        return f"{self.name}-dlq"


@dataclass(frozen=True)
class Subscription:
    """Topic → queue, raw delivery, with an optional filter policy on message attributes."""

    topic: str
    queue: str
    filter_policy: dict[str, list[str]] | None = None


@dataclass(frozen=True)
class Topic:
    name: str


@dataclass(frozen=True)
class Bus:
    """An event bus. ``partner`` buses are a SaaS partner's event source when deployed."""

    name: str
    partner: bool = False
    description: str = ""


@dataclass(frozen=True)
class RuleTarget:
    kind: Literal["function", "queue", "state_machine"]
    name: str


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule: a pattern on a bus, or a schedule (on the default bus)."""

    name: str
    targets: tuple[RuleTarget, ...]
    bus: str | None = None
    event_pattern: dict[str, object] | None = None
    schedule: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Topology:
    functions: tuple[Function, ...]
    routes: tuple[Route, ...]
    state_machines: tuple[StateMachine, ...]
    tables: tuple[Table, ...]
    queues: tuple[Queue, ...]
    topics: tuple[Topic, ...]
    subscriptions: tuple[Subscription, ...]
    buses: tuple[Bus, ...]
    rules: tuple[Rule, ...]

    def function(self, name: str) -> Function:
        return _by_name(self.functions, name, "function")

    def state_machine(self, name: str) -> StateMachine:
        return _by_name(self.state_machines, name, "state machine")

    def table(self, name: str) -> Table:
        return _by_name(self.tables, name, "table")

    def queue(self, name: str) -> Queue:
        return _by_name(self.queues, name, "queue")

    def _declared(self) -> dict[str, set[str]]:
        return {
            Kind.FUNCTION: {f.name for f in self.functions},
            Kind.STATE_MACHINE: {s.name for s in self.state_machines},
            Kind.TABLE: {t.name for t in self.tables},
            Kind.QUEUE: {q.name for q in self.queues} | {q.dlq_name for q in self.queues},
            Kind.TOPIC: {t.name for t in self.topics},
            Kind.BUS: {b.name for b in self.buses},
            Kind.BUCKET: {"images"},
            Kind.USER_POOL: {"users"},
            Kind.USER_POOL_CLIENT: {"users"},
            Kind.SECRET: {"stripe", "twilio", "sendgrid", "database", "mongodb"},
        }

    def _references(self) -> Iterator[tuple[str, str, str]]:  # noqa: PLR0912 - one branch per kind
        """Every (kind, name, where) the declaration refers to."""
        for fn in self.functions:
            for value in fn.environment.values():
                if isinstance(value, Ref):
                    yield value.kind, value.name, f"function {fn.name} environment"
            for grant in fn.grants:
                yield grant.kind, grant.name, f"function {fn.name} grant"
        for route in self.routes:
            where = f"route {route.method} {route.path}"
            if isinstance(route.target, FunctionTarget):
                yield Kind.FUNCTION, route.target.function, where
            else:
                yield Kind.STATE_MACHINE, route.target.state_machine, where
        for sm in self.state_machines:
            for ref in sm.substitutions.values():
                yield ref.kind, ref.name, f"state machine {sm.name}"
        for queue in self.queues:
            if queue.consumer:
                yield Kind.FUNCTION, queue.consumer.function, f"queue {queue.name}"
        for sub in self.subscriptions:
            yield Kind.TOPIC, sub.topic, "subscription"
            yield Kind.QUEUE, sub.queue, "subscription"
        for rule in self.rules:
            if rule.bus:
                yield Kind.BUS, rule.bus, f"rule {rule.name}"
            for target in rule.targets:
                yield target.kind, target.name, f"rule {rule.name}"

    def validate(self) -> None:
        """Fail loudly on a dangling reference or a setting that cannot work as declared."""
        declared = self._declared()
        problems = [
            f"{where}: unknown {kind} {name!r}"
            for kind, name, where in self._references()
            if kind in declared and name != "*" and name not in declared[kind]
        ]
        problems += [
            f"state machine {sm.name}: missing {sm.path}"
            for sm in self.state_machines
            if not sm.path.is_file()
        ]
        problems += [
            f"rule {rule.name}: give exactly one of event_pattern and schedule"
            for rule in self.rules
            if (rule.event_pattern is None) == (rule.schedule is None)
        ]
        # Lambda's advice: a queue's visibility timeout at least six times its consumer's timeout
        problems += [
            f"queue {q.name}: visibility timeout {q.visibility_timeout_s}s is under 6x its consumer's timeout"
            for q in self.queues
            if q.consumer
            and q.consumer.function in declared[Kind.FUNCTION]
            and q.visibility_timeout_s < 6 * self.function(q.consumer.function).timeout_s
        ]
        if problems:
            raise ValueError("topology is inconsistent:\n  " + "\n  ".join(problems))


_Named = TypeVar("_Named", Function, StateMachine, Table, Queue)


def _by_name(items: tuple[_Named, ...], name: str, what: str) -> _Named:
    for item in items:
        if item.name == name:
            return item
    raise KeyError(f"no {what} named {name!r} in the topology")


# --------------------------------------------------------------------------------------------
# The declaration
# --------------------------------------------------------------------------------------------

#: environment every function gets (each platform adds its own: endpoints, stage, log level)
COMMON_ENVIRONMENT: dict[str, str | Ref] = {
    "EVENT_BUS_NAME": Ref(Kind.BUS, "domain"),
    "IDEMPOTENCY_TABLE": Ref(Kind.TABLE, "idempotency"),
}

TABLES = (
    Table(
        "carts",
        partition_key=Key("user_id"),
        sort_key=Key("listing_id"),
        indexes=(Index("by-listing", Key("listing_id"), Key("user_id")),),
        description="One item per (buyer, listing) line of a cart.",
    ),
    Table(
        "idempotency",
        partition_key=Key("id"),
        ttl_attribute="expiration",
        description="Powertools idempotency records and processed-event markers.",
    ),
    Table(
        "task-tokens",
        partition_key=Key("correlation_id"),
        ttl_attribute="expires_at",
        description="Step Functions task tokens waiting for an outside event, by business key.",
    ),
    Table(
        "watchlists",
        partition_key=Key("user_id"),
        sort_key=Key("listing_id"),
        indexes=(Index("by-listing", Key("listing_id"), Key("user_id")),),
    ),
    Table("connections", partition_key=Key("connection_id"), ttl_attribute="expires_at"),
)

QUEUES = (
    Queue("notifications-email", visibility_timeout_s=60, max_receive_count=5),
    Queue("notifications-sms", visibility_timeout_s=60, max_receive_count=5),
)

TOPICS = (Topic("notifications"),)

SUBSCRIPTIONS = (
    Subscription("notifications", "notifications-email", {"channel": ["email"]}),
    Subscription("notifications", "notifications-sms", {"channel": ["sms"]}),
)

BUSES = (
    Bus("domain", description="Resale's own domain events (OrderPaid, ListingCreated, ...)."),
    Bus("stripe", partner=True, description="Stripe's events via the Amazon EventBridge integration."),
)

FUNCTIONS = (
    Function(
        "api-health",
        handler="lambdas.api.health.handler",
        description="GET /health: readiness of PostgreSQL and MongoDB.",
        timeout_s=5,
        uses_postgres=True,
        uses_mongo=True,
        service="platform",
    ),
    Function(
        "stripe-events",
        handler="lambdas.consumers.stripe_events.handler",
        description="Stripe events from EventBridge: deduplicate, resume the waiting workflow.",
        environment={"TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens")},
        grants=(
            Grant(Kind.TABLE, "task-tokens", "read_write"),
            Grant(Kind.TABLE, "idempotency", "read_write"),
            Grant(Kind.STATE_MACHINE, "*", "task_response"),
        ),
        service="payments",
    ),
    Function(
        "wait-for-event",
        handler="lambdas.steps.shared.wait_for_event.handler",
        description="Step: park a task token until the outside event it waits for arrives.",
        environment={"TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens")},
        grants=(
            Grant(Kind.TABLE, "task-tokens", "read_write"),
            Grant(Kind.STATE_MACHINE, "*", "task_response"),
        ),
        service="workflows",
    ),
    Function(
        "check-dependencies",
        handler="lambdas.steps.platform.check_dependencies.handler",
        description="Step of the platform canary: do PostgreSQL and MongoDB answer?",
        timeout_s=15,
        uses_postgres=True,
        uses_mongo=True,
        service="platform",
    ),
)

ROUTES = (Route("GET", "/health", "public", FunctionTarget("api-health")),)

STATE_MACHINES = (
    StateMachine(
        "platform-canary",
        definition="platform_canary.json",
        type="STANDARD",
        substitutions={"CheckDependenciesFunctionArn": Ref(Kind.FUNCTION, "check-dependencies", Attr.ARN)},
        timeout_s=120,
    ),
)

#: Stripe event types routed to the stripe-events consumer
STRIPE_EVENTS_THAT_RESUME = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.amount_capturable_updated",
    "account.updated",
    "account.application.deauthorized",
    "transfer.reversed",
    "payout.paid",
    "payout.failed",
)

RULES = (
    Rule(
        "stripe-events",
        bus="stripe",
        # the types workflows.payments.stripe_events.RESUMING_EVENTS reads (a test keeps them equal)
        event_pattern={"detail-type": list(STRIPE_EVENTS_THAT_RESUME)},
        targets=(RuleTarget("function", "stripe-events"),),
        description="Stripe events that move a workflow forward.",
    ),
    Rule(
        "platform-canary",
        schedule="rate(5 minutes)",
        targets=(RuleTarget("state_machine", "platform-canary"),),
        description="Run the platform canary every five minutes.",
    ),
)

TOPOLOGY = Topology(
    functions=FUNCTIONS,
    routes=ROUTES,
    state_machines=STATE_MACHINES,
    tables=TABLES,
    queues=QUEUES,
    topics=TOPICS,
    subscriptions=SUBSCRIPTIONS,
    buses=BUSES,
    rules=RULES,
)
