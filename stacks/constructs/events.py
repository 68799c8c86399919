"""EventBridge: the domain bus, partner buses (Stripe) and the rules with their targets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Duration, Tags
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.constructs.messaging import DLQ_RETENTION
from stacks.naming import LOGICAL_NAME_TAG, construct_id, physical_name

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_stepfunctions as sfn

    from stacks.topology import Bus, Rule, RuleTarget

#: topology pattern keys → ``events.EventPattern`` fields
_PATTERN_FIELDS = {
    "source": "source",
    "detail-type": "detail_type",
    "detail": "detail",
    "account": "account",
    "region": "region",
    "resources": "resources",
    "id": "id",
    "time": "time",
    "version": "version",
}


def _matcher(item: object) -> str:
    """One value of a top-level pattern field: a literal, or a content filter as ``events.Match``."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and len(item) == 1:
        ((operator, operand),) = item.items()
        if operator == "prefix":
            return events.Match.prefix(operand)[0]
        if operator == "suffix":
            return events.Match.suffix(operand)[0]
        if operator == "equals-ignore-case":
            return events.Match.equals_ignore_case(operand)[0]
        if operator == "wildcard":
            return events.Match.wildcard(operand)[0]
        if operator == "anything-but":
            values = operand if isinstance(operand, list) else [operand]
            return events.Match.anything_but(*values)[0]
    raise ValueError(f"unsupported event pattern filter: {item!r}")


def event_pattern(pattern: Mapping[str, object]) -> events.EventPattern:
    """The topology's pattern (EventBridge's JSON shape) as an ``events.EventPattern``."""
    unknown = set(pattern) - set(_PATTERN_FIELDS)
    if unknown:
        raise ValueError(f"unsupported event pattern keys: {sorted(unknown)}")
    fields: dict[str, Any] = {}
    for key, value in pattern.items():
        if key == "detail":
            fields["detail"] = value
        elif isinstance(value, list):
            fields[_PATTERN_FIELDS[key]] = [_matcher(item) for item in value]
        else:
            raise ValueError(f"event pattern field {key!r} must be a list")
    return events.EventPattern(**fields)


class EventBuses(Construct):
    """The topology's buses. A ``partner`` bus is the stage's Stripe partner event source."""

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        prefix: str,
        buses: Sequence[Bus],
        partner_event_source: str,
    ) -> None:
        super().__init__(scope, construct_id_)
        self._buses: dict[str, events.EventBus] = {}
        for spec in buses:
            if spec.partner:
                bus = events.EventBus(
                    self,
                    construct_id(spec.name),
                    event_source_name=partner_event_source,
                    description=spec.description or None,
                )
            else:
                bus = events.EventBus(
                    self,
                    construct_id(spec.name),
                    event_bus_name=physical_name(prefix, spec.name, 256),
                    description=spec.description or None,
                )
            Tags.of(bus).add(LOGICAL_NAME_TAG, spec.name)
            self._buses[spec.name] = bus

    @property
    def buses(self) -> Mapping[str, events.IEventBus]:
        return dict(self._buses)


class EventRules(Construct):
    """Rules on the buses (or schedules on the default bus), each with a DLQ for its targets."""

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        prefix: str,
        rules: Sequence[Rule],
        buses: Mapping[str, events.IEventBus],
        functions: Mapping[str, lambda_.IFunction],
        queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
    ) -> None:
        super().__init__(scope, construct_id_)
        self._functions = functions
        self._queues = queues
        self._state_machines = state_machines
        self._dlqs: dict[str, sqs.Queue] = {}
        for spec in rules:
            dlq_name = spec.dlq_name
            # a rule's copy on a bus with same_rules_as (spec.mirror_of) shares the original's DLQ
            dlq = self._dlqs.get(dlq_name) or sqs.Queue(
                self,
                construct_id(dlq_name),
                queue_name=physical_name(prefix, dlq_name, 80),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=DLQ_RETENTION,
            )
            Tags.of(dlq).add(LOGICAL_NAME_TAG, dlq_name)
            self._dlqs[dlq_name] = dlq
            events.Rule(
                self,
                construct_id(spec.name),
                rule_name=physical_name(prefix, spec.name),
                description=spec.description or None,
                event_bus=buses[spec.bus] if spec.bus else None,
                event_pattern=event_pattern(spec.event_pattern) if spec.event_pattern else None,
                schedule=events.Schedule.expression(spec.schedule) if spec.schedule else None,
                targets=[
                    self._target(target, dlq, configure_function=spec.mirror_of is None)
                    for target in spec.targets
                ],
            )

    def _target(
        self, target: RuleTarget, dlq: sqs.IQueue, *, configure_function: bool = True
    ) -> events.IRuleTarget:
        # EventBridge's retry policy for handing the event over (the local cloud uses the same)
        attempts, max_age = target.retry_attempts, Duration.seconds(target.max_event_age_s)
        if target.kind == "function":
            function = self._functions[target.name]
            # Lambda has the event once EventBridge handed it over: a function error is retried
            # by Lambda's asynchronous invocation, then the event goes to the rule's DLQ too
            # (once per function: a rule's copy on another bus shares the original's config)
            if configure_function:
                function.configure_async_invoke(
                    retry_attempts=target.function_retry_attempts,
                    max_event_age=Duration.seconds(target.function_max_event_age_s),
                    on_failure=destinations.SqsDestination(dlq),
                )
            return targets.LambdaFunction(
                function, dead_letter_queue=dlq, retry_attempts=attempts, max_event_age=max_age
            )
        if target.kind == "queue":
            return targets.SqsQueue(
                self._queues[target.name],
                dead_letter_queue=dlq,
                retry_attempts=attempts,
                max_event_age=max_age,
            )
        return targets.SfnStateMachine(
            self._state_machines[target.name],
            dead_letter_queue=dlq,
            retry_attempts=attempts,
            max_event_age=max_age,
        )

    @property
    def dead_letter_queues(self) -> Mapping[str, sqs.IQueue]:
        return dict(self._dlqs)
