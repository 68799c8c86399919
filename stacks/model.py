"""The vocabulary of the topology: plain dataclasses, no ``aws_cdk`` import.

``stacks/capabilities/`` declares each capability's resources with these; ``stacks/topology.py``
composes them into :data:`~stacks.topology.TOPOLOGY`.

Names here are *logical* (``task-tokens``, ``stripe-events``). Each platform turns them into
physical names its own way; environment values are :class:`Ref` objects that each platform
resolves (a table's name, a queue's URL, a state machine's ARN, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
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
    WEBSOCKET_API = "websocket_api"


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


Access = Literal[
    "read",
    "write",
    "read_write",
    "publish",
    "consume",
    "start",
    "task_response",
    "send",
    "manage_connections",
]


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
    #: run once by every deploy that changes it (a CDK trigger), before the API serves the release
    on_deploy: bool = False

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
class Route:
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str
    auth: Auth
    target: FunctionTarget


@dataclass(frozen=True)
class StateMachine:
    """An ASL file in ``statemachines/``; ``${Key}`` placeholders resolved from ``substitutions``."""

    name: str
    definition: str
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"
    substitutions: dict[str, Ref] = field(default_factory=dict)
    timeout_s: int = 86_400
    #: run only nested in another machine, which catches its failures and judges them: a step's
    #: error, a business refusal included, fails it on purpose. It has no failed-executions alarm
    #: of its own (the caller's fires when the failure is real); timed out and aborted still alarm
    failures_caught_by_caller: bool = False

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
    """An event bus. ``partner`` buses are a SaaS partner's event source when deployed.

    ``same_rules_as`` names another bus whose rules this one gets too: :func:`compose` attaches a
    copy of each of them here (:attr:`Rule.mirror_of`), so events put on either bus reach the
    same targets (e.g. Stripe's signed webhooks, put on a custom bus, where the partner bus that
    Stripe's EventBridge integration feeds cannot take PutEvents).
    """

    name: str
    partner: bool = False
    description: str = ""
    same_rules_as: str | None = None


@dataclass(frozen=True)
class RuleTarget:
    """A rule's target, delivered at least once, asynchronously, then to the rule's DLQ.

    ``retry_attempts``/``max_event_age_s`` are EventBridge's retry policy for handing the event
    to the target (AWS's defaults: 185 attempts, 24 hours). A function target is invoked
    asynchronously: once Lambda has the event, a function error is retried by Lambda
    (``function_retry_attempts``, 0-2, within ``function_max_event_age_s``, 60 s-6 h; AWS's
    defaults 2 and 6 hours), and an event that still fails goes to the rule's DLQ as well.
    """

    kind: Literal["function", "queue", "state_machine"]
    name: str
    retry_attempts: int = 185
    max_event_age_s: int = 86_400
    function_retry_attempts: int = 2
    function_max_event_age_s: int = 21_600

    def problems(self) -> list[str]:
        """What AWS would refuse in this target's retry settings."""
        out = []
        if not 0 <= self.retry_attempts <= 185:
            out.append(f"retry_attempts {self.retry_attempts} is not within 0-185")
        if not 60 <= self.max_event_age_s <= 86_400:
            out.append(f"max_event_age_s {self.max_event_age_s} is not within 60-86400")
        if not 0 <= self.function_retry_attempts <= 2:
            out.append(f"function_retry_attempts {self.function_retry_attempts} is not within 0-2")
        if not 60 <= self.function_max_event_age_s <= 21_600:
            out.append(f"function_max_event_age_s {self.function_max_event_age_s} is not within 60-21600")
        return out


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule: a pattern on a bus, or a schedule (on the default bus).

    Every rule has a dead-letter queue (:attr:`dlq_name`) for what its targets never took.
    """

    name: str
    targets: tuple[RuleTarget, ...]
    bus: str | None = None
    event_pattern: dict[str, object] | None = None
    schedule: str | None = None
    description: str = ""
    #: set by :func:`compose` on the copy of a rule attached to a bus with ``same_rules_as``:
    #: the rule it copies, whose DLQ (and targets' asynchronous invocation config) it shares
    mirror_of: str | None = None

    @property
    def dlq_name(self) -> str:
        return f"rule-{self.mirror_of or self.name}-dlq"


@dataclass(frozen=True)
class WebSocketRoute:
    """One route of a WebSocket API: ``$connect``, ``$disconnect``, ``$default`` or an action
    (the value of the frame's ``action``, by ``route_selection_expression``)."""

    route_key: str
    function: str


#: a route key a client's ``action`` may name (API Gateway's own keys start with ``$``)
_ACTION = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
_SPECIAL_ROUTES = frozenset({"$connect", "$disconnect", "$default"})


@dataclass(frozen=True)
class WebSocketApi:
    """An API Gateway WebSocket API: its routes (Lambda proxy integrations) and the REQUEST
    authorizer of ``$connect`` (a function returning an IAM policy), whose token is the
    ``token`` query string parameter (browsers cannot set headers on a WebSocket).

    A :class:`Ref` with ``Attr.URL`` resolves to the stage's ``@connections`` endpoint (the
    callback URL), which the functions that push are given, with a ``manage_connections`` grant.
    """

    name: str
    routes: tuple[WebSocketRoute, ...]
    authorizer: str | None = None
    identity_source: str = "route.request.querystring.token"
    route_selection_expression: str = "$request.body.action"
    description: str = ""

    def route(self, route_key: str) -> WebSocketRoute | None:
        return next((r for r in self.routes if r.route_key == route_key), None)

    def problems(self) -> list[str]:
        keys = [r.route_key for r in self.routes]
        out = [f"route {k!r} declared twice" for k in sorted({k for k in keys if keys.count(k) > 1})]
        out += [
            f"route {k!r} is neither $connect/$disconnect/$default nor an action name"
            for k in keys
            if k not in _SPECIAL_ROUTES and not re.match(_ACTION, k)
        ]
        if "$connect" not in keys:
            out.append("no $connect route (the authorizer and the connection record need one)")
        if not self.identity_source.startswith("route.request."):
            out.append(f"identity_source {self.identity_source!r} is not a route.request.* expression")
        return out


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
    websocket_apis: tuple[WebSocketApi, ...] = ()

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
            Kind.WEBSOCKET_API: {w.name for w in self.websocket_apis},
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
        for bus in self.buses:
            if bus.same_rules_as:
                yield Kind.BUS, bus.same_rules_as, f"bus {bus.name} same_rules_as"
        for rule in self.rules:
            if rule.bus:
                yield Kind.BUS, rule.bus, f"rule {rule.name}"
            for target in rule.targets:
                yield target.kind, target.name, f"rule {rule.name}"
        for api in self.websocket_apis:
            for ws_route in api.routes:
                yield Kind.FUNCTION, ws_route.function, f"websocket api {api.name} route {ws_route.route_key}"
            if api.authorizer:
                yield Kind.FUNCTION, api.authorizer, f"websocket api {api.name} authorizer"

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
        problems += [
            f"rule {rule.name} target {target.name}: {problem}"
            for rule in self.rules
            for target in rule.targets
            for problem in target.problems()
        ]
        # a function target's failed events go to its rule's DLQ: one async config per function
        # (a rule's copy on a bus with same_rules_as shares the DLQ of the rule it copies)
        targeted = [
            t.name for r in self.rules if r.mirror_of is None for t in r.targets if t.kind == "function"
        ]
        problems += [
            f"function {name}: the target of several rules (its failed events need one DLQ)"
            for name in sorted({n for n in targeted if targeted.count(n) > 1})
        ]
        # Lambda's advice: a queue's visibility timeout at least six times its consumer's timeout
        problems += [
            f"queue {q.name}: visibility timeout {q.visibility_timeout_s}s is under 6x its consumer's timeout"
            for q in self.queues
            if q.consumer
            and q.consumer.function in declared[Kind.FUNCTION]
            and q.visibility_timeout_s < 6 * self.function(q.consumer.function).timeout_s
        ]
        problems += [f"websocket api {api.name}: {p}" for api in self.websocket_apis for p in api.problems()]
        if problems:
            raise ValueError("topology is inconsistent:\n  " + "\n  ".join(problems))


_Named = TypeVar("_Named", Function, StateMachine, Table, Queue)


def _by_name(items: tuple[_Named, ...], name: str, what: str) -> _Named:
    for item in items:
        if item.name == name:
            return item
    raise KeyError(f"no {what} named {name!r} in the topology")


#: environment every function gets (each platform adds its own: endpoints, stage, log level)
COMMON_ENVIRONMENT: dict[str, str | Ref] = {
    "EVENT_BUS_NAME": Ref(Kind.BUS, "domain"),
    "IDEMPOTENCY_TABLE": Ref(Kind.TABLE, "idempotency"),
}


@dataclass(frozen=True)
class Cors:
    """The REST API's CORS, as the stack declares it and the local gateway answers it.

    The functions answer with ``Access-Control-Allow-Origin`` for an allowed origin only
    (``lambdas/api/resolver.py``). API Gateway answers the preflight itself: the matching origin,
    or :attr:`fixed_origin` for any other (as CDK builds it), which a browser then refuses. Its own
    error responses (401, 404, 429, 5xx ...) cannot choose per request (their headers are
    literals), so they name :attr:`fixed_origin`: the stage's first allowed origin.
    """

    allowed_origins: tuple[str, ...]
    allow_headers: tuple[str, ...] = ("Authorization", "Content-Type", "Idempotency-Key")
    #: CDK's ``Cors.ALL_METHODS``, in its order
    allow_methods: tuple[str, ...] = ("OPTIONS", "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD")
    max_age_s: int = 600
    preflight_status: int = 204

    def allows(self, origin: str | None) -> bool:
        return origin is not None and origin in self.allowed_origins

    @property
    def fixed_origin(self) -> str:
        return self.allowed_origins[0]

    def preflight_origin(self, origin: str | None) -> str:
        return origin if origin is not None and self.allows(origin) else self.fixed_origin


@dataclass(frozen=True)
class PasswordPolicy:
    """The user pool's password policy (the deployed pool and the local one both use it)."""

    min_length: int = 12
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_digits: bool = True
    require_symbols: bool = True


PASSWORD_POLICY = PasswordPolicy()


@dataclass(frozen=True)
class Capability:
    """The resources of one capability (accounts, catalog, ...), composed into the topology."""

    name: str
    functions: tuple[Function, ...] = ()
    routes: tuple[Route, ...] = ()
    state_machines: tuple[StateMachine, ...] = ()
    tables: tuple[Table, ...] = ()
    queues: tuple[Queue, ...] = ()
    topics: tuple[Topic, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    buses: tuple[Bus, ...] = ()
    rules: tuple[Rule, ...] = ()
    websocket_apis: tuple[WebSocketApi, ...] = ()


def _mirrored_rules(topology: Topology) -> tuple[Rule, ...]:
    """A copy of every rule of bus B on each bus that declares ``same_rules_as=B``, named
    ``<rule>-on-<bus>``: the same pattern and targets, sharing the original's DLQ."""
    return tuple(
        replace(
            rule,
            name=f"{rule.name}-on-{bus.name}",
            bus=bus.name,
            mirror_of=rule.name,
            description=rule.description or f"{rule.name}, for events put on {bus.name}",
        )
        for bus in topology.buses
        if bus.same_rules_as is not None
        for rule in topology.rules
        if rule.bus == bus.same_rules_as and rule.mirror_of is None
    )


def _identity(item: object) -> object:
    """What makes a declaration unique: a route's method and path, a subscription's ends, a name."""
    if isinstance(item, Route):
        return (item.method, item.path)
    if isinstance(item, Subscription):
        return (item.topic, item.queue)
    return getattr(item, "name")  # noqa: B009 - every other declaration has a name


def compose(*capabilities: Capability) -> Topology:
    """One topology from several capabilities (a thing declared twice is an error)."""
    merged = Topology(
        functions=tuple(x for c in capabilities for x in c.functions),
        routes=tuple(x for c in capabilities for x in c.routes),
        state_machines=tuple(x for c in capabilities for x in c.state_machines),
        tables=tuple(x for c in capabilities for x in c.tables),
        queues=tuple(x for c in capabilities for x in c.queues),
        topics=tuple(x for c in capabilities for x in c.topics),
        subscriptions=tuple(x for c in capabilities for x in c.subscriptions),
        buses=tuple(x for c in capabilities for x in c.buses),
        rules=tuple(x for c in capabilities for x in c.rules),
        websocket_apis=tuple(x for c in capabilities for x in c.websocket_apis),
    )
    merged = replace(merged, rules=merged.rules + _mirrored_rules(merged))
    problems = [f"websocket api {api.name}: {p}" for api in merged.websocket_apis for p in api.problems()]
    if problems:
        raise ValueError("\n".join(problems))
    for kind, items in vars(merged).items():
        keys = [_identity(item) for item in items]
        duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"{kind} declared twice: {duplicates}")
    return merged
