"""Resolve topology :class:`Ref` values and :class:`Grant` declarations to CDK resources.

State machines are referred to by their physical name (``resale-dev-checkout``) and an ARN
built from it, never by the resource's attribute: a function may need a state machine's ARN
while that state machine invokes the same function, and an attribute reference would then be a
circular dependency in the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.naming import construct_id, physical_name
from stacks.topology import Attr, Grant, Kind, Ref

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_events as events
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_secretsmanager as secretsmanager
    from aws_cdk import aws_sns as sns
    from aws_cdk import aws_sqs as sqs

    from stacks.constructs.websocket import LiveApi
    from stacks.topology import Access, StateMachine

_T = TypeVar("_T")

#: what a Cognito "admin" grant allows: group membership, attribute upkeep, confirming a sign-up
#: (the API checks its own emailed code first) and reading the pool's password policy
COGNITO_ADMIN_ACTIONS = (
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminConfirmSignUp",
    "cognito-idp:DescribeUserPool",
)


@dataclass
class Resources:
    """Everything a Ref or Grant can name, by logical name. Filled in as the stack is built."""

    tables: Mapping[str, dynamodb.ITable] = field(default_factory=dict)
    queues: Mapping[str, sqs.IQueue] = field(default_factory=dict)
    topics: Mapping[str, sns.ITopic] = field(default_factory=dict)
    buses: Mapping[str, events.IEventBus] = field(default_factory=dict)
    functions: Mapping[str, lambda_.IFunction] = field(default_factory=dict)
    buckets: Mapping[str, s3.IBucket] = field(default_factory=dict)
    user_pools: Mapping[str, cognito.IUserPool] = field(default_factory=dict)
    user_pool_clients: Mapping[str, cognito.IUserPoolClient] = field(default_factory=dict)
    secrets: Mapping[str, secretsmanager.ISecret] = field(default_factory=dict)
    websocket_apis: Mapping[str, LiveApi] = field(default_factory=dict)


class References(Construct):
    """Resolves Refs to template values and turns Grants into least-privilege IAM."""

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        prefix: str,
        state_machines: tuple[StateMachine, ...],
        resources: Resources,
    ) -> None:
        super().__init__(scope, construct_id_)
        self._prefix = prefix
        self._state_machine_types = {sm.name: sm.type for sm in state_machines}
        self.resources = resources
        self._imported: dict[str, sfn.IStateMachine] = {}

    # ---------------------------------------------------------------- names and ARNs

    def state_machine_name(self, name: str) -> str:
        return physical_name(self._prefix, name, 80)

    def state_machine_arn(self, name: str) -> str:
        """The ARN of a state machine of this stage (``*`` = every one of them)."""
        return Stack.of(self).format_arn(
            service="states",
            resource="stateMachine",
            resource_name=f"{self._prefix}-*" if name == "*" else self.state_machine_name(name),
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def state_machine(self, name: str) -> sfn.IStateMachine:
        """An imported handle by name, to grant on without a dependency on the resource."""
        if name not in self._imported:
            self._imported[name] = sfn.StateMachine.from_state_machine_arn(
                self,
                f"StateMachine{construct_id('all' if name == '*' else name)}",
                self.state_machine_arn(name),
            )
        return self._imported[name]

    # ---------------------------------------------------------------- Ref → value

    def resolve(self, ref: Ref) -> str:  # noqa: PLR0911, PLR0912 - one return per kind and attribute
        """The template value of ``ref``: a token CloudFormation resolves at deploy time."""
        r = self.resources
        kind, name, attr = ref.kind, ref.name, ref.attr
        if kind == Kind.STATE_MACHINE:
            if attr == Attr.NAME:
                return self.state_machine_name(name)
            return self.state_machine_arn(name)
        if kind == Kind.TABLE:
            table = _get(r.tables, ref)
            return table.table_arn if attr == Attr.ARN else table.table_name
        if kind == Kind.QUEUE:
            queue = _get(r.queues, ref)
            if attr == Attr.URL:
                return queue.queue_url
            return queue.queue_arn if attr == Attr.ARN else queue.queue_name
        if kind == Kind.TOPIC:
            topic = _get(r.topics, ref)
            return topic.topic_name if attr == Attr.NAME else topic.topic_arn
        if kind == Kind.BUS:
            bus = _get(r.buses, ref)
            return bus.event_bus_arn if attr == Attr.ARN else bus.event_bus_name
        if kind == Kind.FUNCTION:
            function = _get(r.functions, ref)
            return function.function_arn if attr == Attr.ARN else function.function_name
        if kind == Kind.BUCKET:
            bucket = _get(r.buckets, ref)
            return bucket.bucket_arn if attr == Attr.ARN else bucket.bucket_name
        if kind == Kind.USER_POOL:
            pool = _get(r.user_pools, ref)
            return pool.user_pool_arn if attr == Attr.ARN else pool.user_pool_id
        if kind == Kind.USER_POOL_CLIENT:
            return _get(r.user_pool_clients, ref).user_pool_client_id
        if kind == Kind.SECRET:
            secret = _get(r.secrets, ref)
            return secret.secret_name if attr == Attr.NAME else secret.secret_arn
        if kind == Kind.WEBSOCKET_API:
            live = _get(r.websocket_apis, ref)
            # URL: the @connections endpoint the functions push to; ID: the API's id
            return live.callback_url if attr == Attr.URL else live.api.api_id
        raise ValueError(f"cannot resolve {ref}")

    # ---------------------------------------------------------------- Grant → IAM

    def grant(self, grantee: iam.IGrantable, grant: Grant) -> None:  # noqa: PLR0912 - a branch per kind
        """Apply one topology grant with the narrowest CDK grant method that fits."""
        kind = grant.kind
        if kind == "ses":
            self._grant_ses(grantee, grant)
        elif kind == "cognito_admin":
            for pool in self._all(self.resources.user_pools, "users" if grant.name == "*" else grant.name):
                pool.grant(grantee, *COGNITO_ADMIN_ACTIONS)
        elif kind == Kind.STATE_MACHINE:
            self._grant_state_machine(grantee, grant)
        elif kind == Kind.TABLE:
            for table in self._all(self.resources.tables, grant.name):
                _grant_table(table, grantee, grant)
        elif kind == Kind.QUEUE:
            for queue in self._all(self.resources.queues, grant.name):
                _grant_queue(queue, grantee, grant)
        elif kind == Kind.TOPIC:
            _require(grant, "publish", "write", "send")
            for topic in self._all(self.resources.topics, grant.name):
                topic.grant_publish(grantee)
        elif kind == Kind.BUS:
            _require(grant, "publish", "write", "send")
            for bus in self._all(self.resources.buses, grant.name):
                bus.grant_put_events_to(grantee)
        elif kind == Kind.FUNCTION:
            _require(grant, "start", "send")
            for function in self._all(self.resources.functions, grant.name):
                function.grant_invoke(grantee)
        elif kind == Kind.BUCKET:
            for bucket in self._all(self.resources.buckets, grant.name):
                _grant_bucket(bucket, grantee, grant)
        elif kind == Kind.SECRET:
            _require(grant, "read")
            for secret in self._all(self.resources.secrets, grant.name):
                secret.grant_read(grantee)
        elif kind == Kind.WEBSOCKET_API:
            _require(grant, "manage_connections")
            for live in self._all(self.resources.websocket_apis, grant.name):
                live.grant_manage_connections(grantee)
        else:
            raise ValueError(f"unsupported grant {grant}")

    def _grant_ses(self, grantee: iam.IGrantable, grant: Grant) -> None:
        _require(grant, "send", "write")
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[Stack.of(self).format_arn(service="ses", resource="identity", resource_name="*")],
            )
        )

    def grant_for_substitution(self, grantee: iam.IGrantable, ref: Ref) -> None:
        """What a state machine needs on a resource its definition names."""
        access_by_kind: dict[str, tuple[Access, ...]] = {
            Kind.FUNCTION: ("start",),
            Kind.TABLE: ("read_write",),
            Kind.TOPIC: ("publish",),
            Kind.BUS: ("publish",),
            Kind.QUEUE: ("send",),
            Kind.BUCKET: ("read_write",),
            Kind.SECRET: ("read",),
            Kind.STATE_MACHINE: ("start",),
        }
        for access in access_by_kind.get(ref.kind, ()):
            self.grant(grantee, Grant(ref.kind, ref.name, access))

    def _grant_state_machine(self, grantee: iam.IGrantable, grant: Grant) -> None:
        machine = self.state_machine(grant.name)
        _require(grant, "start", "task_response", "read")
        if grant.access == "task_response":
            machine.grant_task_response(grantee)
        elif grant.access == "read":
            machine.grant_read(grantee)
        elif self._state_machine_types.get(grant.name) == "EXPRESS":
            machine.grant_start_execution(grantee)
            machine.grant_start_sync_execution(grantee)
        else:
            machine.grant_start_execution(grantee)
            # a nested `.sync` start also describes and stops the child execution
            machine.grant_execution(grantee, "states:DescribeExecution", "states:StopExecution")
            grantee.grant_principal.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                    resources=[
                        Stack.of(self).format_arn(
                            service="events",
                            resource="rule",
                            resource_name="StepFunctionsGetEventsForStepFunctionsExecutionRule",
                        )
                    ],
                )
            )

    @staticmethod
    def _all(items: Mapping[str, _T], name: str) -> list[_T]:
        if name == "*":
            return list(items.values())
        if name not in items:
            raise KeyError(f"no resource named {name!r} to grant on")
        return [items[name]]


def _get(items: Mapping[str, _T], ref: Ref) -> _T:
    if ref.name not in items:
        raise KeyError(f"{ref}: not built (is it declared in the topology?)")
    return items[ref.name]


def _require(grant: Grant, *supported: str) -> None:
    if grant.access not in supported:
        raise ValueError(
            f"{grant}: access {grant.access!r} is not supported for {grant.kind} (use {supported})"
        )


def _grant_table(table: dynamodb.ITable, grantee: iam.IGrantable, grant: Grant) -> None:
    _require(grant, "read", "write", "read_write")
    if grant.access == "read":
        table.grant_read_data(grantee)
    elif grant.access == "write":
        table.grant_write_data(grantee)
    else:
        table.grant_read_write_data(grantee)


def _grant_queue(queue: sqs.IQueue, grantee: iam.IGrantable, grant: Grant) -> None:
    _require(grant, "send", "write", "consume", "read")
    if grant.access in ("send", "write"):
        queue.grant_send_messages(grantee)
    else:
        queue.grant_consume_messages(grantee)


def _grant_bucket(bucket: s3.IBucket, grantee: iam.IGrantable, grant: Grant) -> None:
    _require(grant, "read", "write", "read_write")
    if grant.access == "read":
        bucket.grant_read(grantee)
    elif grant.access == "write":
        bucket.grant_put(grantee)
    else:
        bucket.grant_read_write(grantee)
