"""Step Functions state machines: the ASL files of ``statemachines/``, inlined at synth.

Each machine's role carries exactly what its Task states call, derived from the ASL: every
Task's ``Resource`` is one service integration pattern of :data:`INTEGRATIONS` (what AWS
documents that pattern needs), and the resource it acts on is the ``${Placeholder}`` its
parameters name (``FunctionName``, ``StateMachineArn``, ``TopicArn``, ...), resolved through the
topology's substitution. A Task whose pattern is not mapped, or whose target is not a
placeholder, fails the synth: an unknown integration is never deployed without its permissions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aws_cdk import Annotations, ArnFormat, RemovalPolicy, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.constructs.log_retention import retention
from stacks.model import Attr, Kind, Ref
from stacks.naming import LOGICAL_NAME_TAG, construct_id

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from stacks.topology import StateMachine

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_WHOLE_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z0-9_]+)\}$")
_SERVICE_INTEGRATION = "arn:aws:states:::"

#: the rule Step Functions manages in the account to learn when a nested `.sync` execution ends
SYNC_EXECUTION_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"

#: what one permission is granted on: the target itself, the target and its versions/aliases
#: (``<arn>:*``), the executions of the target state machine, or the managed `.sync` rule
Scope = Literal["target", "target_and_qualifiers", "executions", "sync_rule"]


def placeholders(definition: str) -> set[str]:
    """The ``${Key}`` placeholders an ASL text uses."""
    return set(_PLACEHOLDER.findall(definition))


@dataclass(frozen=True)
class Permission:
    actions: tuple[str, ...]
    scope: Scope = "target"


@dataclass(frozen=True)
class Integration:
    """One service integration pattern: the parameter naming its target and what it needs."""

    #: where the target's ``${Placeholder}`` is: a parameter name, ``Entries[].EventBusName`` for
    #: EventBridge, or ``Resource`` for a Lambda function ARN given as the Task's resource
    parameter: str
    kind: Kind
    permissions: tuple[Permission, ...]


_INVOKE = (Permission(("lambda:InvokeFunction",), "target_and_qualifiers"),)
_START = Permission(("states:StartExecution",))
_START_SYNC = (
    _START,
    Permission(("states:DescribeExecution", "states:StopExecution"), "executions"),
    Permission(("events:PutTargets", "events:PutRule", "events:DescribeRule"), "sync_rule"),
)
_PUBLISH = (Permission(("sns:Publish",)),)
_SEND = (Permission(("sqs:SendMessage",)),)
_PUT_EVENTS = (Permission(("events:PutEvents",)),)

#: every integration pattern the ASL files may use, with the IAM that AWS documents for it
#: (Step Functions developer guide, "IAM policies for integrated services"). Add a pattern here
#: before using it in a state machine; tests/infra/test_state_machine_iam.py checks every ASL.
INTEGRATIONS: dict[str, Integration] = {
    # a Lambda function ARN as the Task's resource (the original, non-"states" form)
    "lambda": Integration("Resource", Kind.FUNCTION, _INVOKE),
    "lambda:invoke": Integration("FunctionName", Kind.FUNCTION, _INVOKE),
    "lambda:invoke.waitForTaskToken": Integration("FunctionName", Kind.FUNCTION, _INVOKE),
    "states:startExecution": Integration("StateMachineArn", Kind.STATE_MACHINE, (_START,)),
    "states:startExecution.waitForTaskToken": Integration("StateMachineArn", Kind.STATE_MACHINE, (_START,)),
    "states:startExecution.sync": Integration("StateMachineArn", Kind.STATE_MACHINE, _START_SYNC),
    "states:startExecution.sync:2": Integration("StateMachineArn", Kind.STATE_MACHINE, _START_SYNC),
    # an Express machine runs another synchronously (it cannot nest with .sync)
    "aws-sdk:sfn:startSyncExecution": Integration(
        "StateMachineArn", Kind.STATE_MACHINE, (Permission(("states:StartSyncExecution",)),)
    ),
    "sns:publish": Integration("TopicArn", Kind.TOPIC, _PUBLISH),
    "sns:publish.waitForTaskToken": Integration("TopicArn", Kind.TOPIC, _PUBLISH),
    "sqs:sendMessage": Integration("QueueUrl", Kind.QUEUE, _SEND),
    "sqs:sendMessage.waitForTaskToken": Integration("QueueUrl", Kind.QUEUE, _SEND),
    "events:putEvents": Integration("Entries[].EventBusName", Kind.BUS, _PUT_EVENTS),
    "events:putEvents.waitForTaskToken": Integration("Entries[].EventBusName", Kind.BUS, _PUT_EVENTS),
    "dynamodb:getItem": Integration("TableName", Kind.TABLE, (Permission(("dynamodb:GetItem",)),)),
    "dynamodb:putItem": Integration("TableName", Kind.TABLE, (Permission(("dynamodb:PutItem",)),)),
    "dynamodb:updateItem": Integration("TableName", Kind.TABLE, (Permission(("dynamodb:UpdateItem",)),)),
    "dynamodb:deleteItem": Integration("TableName", Kind.TABLE, (Permission(("dynamodb:DeleteItem",)),)),
}


class UnmappedIntegrationError(ValueError):
    """A Task uses an integration (or names its target) in a way no permission is derived for."""


@dataclass(frozen=True)
class TaskCall:
    """One Task state's call: its integration pattern and the placeholder naming the target."""

    state: str
    pattern: str
    placeholder: str

    @property
    def integration(self) -> Integration:
        return INTEGRATIONS[self.pattern]


def _tasks(states: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every Task state, including those inside Parallel branches and Map processors."""
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield name, state
        for branch in state.get("Branches", ()):
            yield from _tasks(branch.get("States", {}))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _tasks(state[key].get("States", {}))


def pattern_of(resource: str) -> str:
    """``arn:aws:states:::sns:publish`` → ``sns:publish``; a function ARN or placeholder → ``lambda``."""
    if resource.startswith(_SERVICE_INTEGRATION):
        return resource.removeprefix(_SERVICE_INTEGRATION)
    if _WHOLE_PLACEHOLDER.match(resource) or (":lambda:" in resource and ":function:" in resource):
        return "lambda"
    return resource  # an activity or anything else: not mapped


def _target_values(state: Mapping[str, Any], parameter: str) -> list[Any]:
    if parameter == "Resource":
        return [state["Resource"]]
    arguments = state.get("Parameters") or state.get("Arguments") or {}
    if parameter == "Entries[].EventBusName":
        entries = arguments.get("Entries")
        if not isinstance(entries, list):
            return [entries]
        return [entry.get("EventBusName") if isinstance(entry, dict) else entry for entry in entries]
    return [arguments.get(parameter)]


def task_calls(definition: str, *, where: str = "the definition") -> list[TaskCall]:
    """Every Task's (pattern, target placeholder) in an ASL text; unmapped ones raise."""
    calls: list[TaskCall] = []
    for name, state in _tasks(json.loads(definition).get("States", {})):
        resource = str(state.get("Resource", ""))
        pattern = pattern_of(resource)
        if pattern not in INTEGRATIONS:
            raise UnmappedIntegrationError(
                f"{where}: state {name!r} uses {resource!r}, which has no permission mapping: "
                "add it to INTEGRATIONS in stacks/constructs/workflows.py with the IAM that AWS "
                "documents for it"
            )
        parameter = INTEGRATIONS[pattern].parameter
        for value in _target_values(state, parameter):
            match = _WHOLE_PLACEHOLDER.match(value) if isinstance(value, str) else None
            if match is None:
                raise UnmappedIntegrationError(
                    f"{where}: state {name!r} ({pattern}) must name its target in {parameter} as one "
                    f"${{Placeholder}} (found {value!r}), so that its role can be scoped to that resource"
                )
            calls.append(TaskCall(name, pattern, match.group(1)))
    return calls


class Workflows(Construct):
    """One state machine per topology entry, logged and traced, its role derived from its ASL.

    ``resolve`` turns a substitution's Ref into its template value and ``name_of`` gives each
    state machine its physical name. A placeholder without a substitution fails the synth.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        state_machines: Sequence[StateMachine],
        resolve: Callable[[Ref], str],
        name_of: Callable[[str], str],
        log_retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id_)
        self._resolve = resolve
        self._machines: dict[str, sfn.StateMachine] = {}
        for spec in state_machines:
            definition = spec.path.read_text(encoding="utf-8")
            missing = placeholders(definition) - set(spec.substitutions)
            if missing:
                raise ValueError(
                    f"state machine {spec.name}: no substitution for {sorted(missing)} in {spec.definition}"
                )
            calls = task_calls(definition, where=spec.definition)
            name = name_of(spec.name)
            express = spec.type == "EXPRESS"
            log_group = logs.LogGroup(
                self,
                f"{construct_id(spec.name)}Logs",
                log_group_name=f"/aws/vendedlogs/states/{name}",
                retention=retention(log_retention_days),
                removal_policy=removal_policy,
            )
            machine = sfn.StateMachine(
                self,
                construct_id(spec.name),
                state_machine_name=name,
                state_machine_type=sfn.StateMachineType.EXPRESS if express else sfn.StateMachineType.STANDARD,
                definition_body=sfn.DefinitionBody.from_string(definition),
                definition_substitutions={key: resolve(ref) for key, ref in spec.substitutions.items()},
                logs=sfn.LogOptions(
                    destination=log_group,
                    level=sfn.LogLevel.ALL if express else sfn.LogLevel.ERROR,
                    include_execution_data=express,
                ),
                tracing_enabled=True,
                removal_policy=removal_policy,
            )
            for statement in self._statements(spec, calls):
                machine.add_to_role_policy(statement)
            unused = set(spec.substitutions) - placeholders(definition)
            if unused:
                Annotations.of(machine).add_warning_v2(
                    "resale:unused-substitution",
                    f"substitutions not used by {spec.definition}: {sorted(unused)}",
                )
            declared_timeout = json.loads(definition).get("TimeoutSeconds")
            if declared_timeout != spec.timeout_s:
                Annotations.of(machine).add_warning_v2(
                    "resale:timeout-mismatch",
                    f"{spec.definition} has TimeoutSeconds={declared_timeout}, "
                    f"the topology says {spec.timeout_s}",
                )
            Tags.of(machine).add(LOGICAL_NAME_TAG, spec.name)
            self._machines[spec.name] = machine

    def _statements(self, spec: StateMachine, calls: Sequence[TaskCall]) -> list[iam.PolicyStatement]:
        """One statement per set of actions, over every resource the Tasks call with them."""
        resources: dict[tuple[str, ...], list[str]] = {}
        for call in calls:
            ref = spec.substitutions[call.placeholder]
            integration = call.integration
            if ref.kind != integration.kind:
                raise UnmappedIntegrationError(
                    f"{spec.definition}: state {call.state!r} ({call.pattern}) calls a {integration.kind} "
                    f"but ${{{call.placeholder}}} is a {ref.kind} ({ref.name})"
                )
            for permission in integration.permissions:
                found = resources.setdefault(permission.actions, [])
                for arn in self._scoped(ref, permission.scope):
                    if arn not in found:
                        found.append(arn)
        return [
            iam.PolicyStatement(actions=list(actions), resources=arns) for actions, arns in resources.items()
        ]

    def _scoped(self, ref: Ref, scope: Scope) -> list[str]:
        stack = Stack.of(self)
        if scope == "sync_rule":
            return [stack.format_arn(service="events", resource="rule", resource_name=SYNC_EXECUTION_RULE)]
        if scope == "executions":
            # the child's executions: arn:aws:states:<region>:<account>:execution:<name>:*
            name = self._resolve(Ref(Kind.STATE_MACHINE, ref.name, Attr.NAME))
            return [
                stack.format_arn(
                    service="states",
                    resource="execution",
                    resource_name=f"{name}:*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ]
        arn = self._resolve(Ref(ref.kind, ref.name, Attr.ARN))
        return [arn, f"{arn}:*"] if scope == "target_and_qualifiers" else [arn]

    @property
    def state_machines(self) -> Mapping[str, sfn.IStateMachine]:
        return dict(self._machines)
