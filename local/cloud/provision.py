"""Create every resource of the topology in the local AWS stand-in.

The same declaration the CDK stacks are built from; physical names are ``resale-<stage>-<name>``.
Functions are registered with the in-process Lambda runtime with their environment resolved
exactly as the deployed stack resolves it (a :class:`~stacks.topology.Ref` becomes a real name,
URL or ARN).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local.cloud.delivery import AsyncInvokeConfig
from stacks.model import PASSWORD_POLICY
from stacks.topology import Attr, Kind, Ref, Topology

if TYPE_CHECKING:
    from local.cloud.aws import LocalAws

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
GROUPS = ("buyer", "seller", "admin")


@dataclass
class Provisioned:
    """Physical identities of what was created, by kind and logical name."""

    stage: str
    region: str
    account_id: str
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    arns: dict[tuple[str, str], str] = field(default_factory=dict)
    urls: dict[tuple[str, str], str] = field(default_factory=dict)
    ids: dict[tuple[str, str], str] = field(default_factory=dict)

    def physical_name(self, logical: str) -> str:
        return f"resale-{self.stage}-{logical}"

    def resolve(self, ref: Ref) -> str:
        key = (str(ref.kind), ref.name)
        table = {Attr.NAME: self.names, Attr.ARN: self.arns, Attr.URL: self.urls, Attr.ID: self.ids}[ref.attr]
        if key not in table:
            raise KeyError(f"{ref.kind} {ref.name!r} has no {ref.attr} (was it provisioned?)")
        return table[key]

    def resolve_value(self, value: str | Ref) -> str:
        return self.resolve(value) if isinstance(value, Ref) else value

    @property
    def user_pool_id(self) -> str:
        return self.ids[(Kind.USER_POOL, "users")]

    @property
    def user_pool_client_id(self) -> str:
        return self.ids[(Kind.USER_POOL_CLIENT, "users")]

    def function_arn(self, name: str) -> str:
        return self.arns[(Kind.FUNCTION, name)]

    def state_machine_arn(self, name: str) -> str:
        return self.arns[(Kind.STATE_MACHINE, name)]

    def queue_url(self, name: str) -> str:
        return self.urls[(Kind.QUEUE, name)]


def substitute(text: str, values: dict[str, str], *, source: str) -> str:
    """Replace ``${Key}`` placeholders as CloudFormation's definition substitutions do."""
    missing = sorted({m.group(1) for m in PLACEHOLDER.finditer(text)} - values.keys())
    if missing:
        raise ValueError(f"{source}: no substitution for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def provision(
    aws: LocalAws,
    topology: Topology,
    *,
    stage: str = "local",
    stripe_bus_name: str = "resale-local-stripe",
    base_environment: dict[str, str] | None = None,
    websocket_endpoints: dict[str, str] | None = None,
) -> Provisioned:
    """Create the topology's resources and register its functions; returns their identities.

    ``websocket_endpoints`` are the ``@connections`` URLs of the local WebSocket APIs (served
    by ``local/cloud/websocket.py``, not moto), by logical name: a Ref to one resolves to it.
    """
    topology.validate()
    out = Provisioned(stage=stage, region=aws.region, account_id=aws.account_id)
    for name, url in (websocket_endpoints or {}).items():
        out.urls[(Kind.WEBSOCKET_API, name)] = url
        out.names[(Kind.WEBSOCKET_API, name)] = out.physical_name(name)
    _tables(aws, topology, out)
    _queues(aws, topology, out)
    _topics(aws, topology, out)
    _buses(aws, topology, out, stripe_bus_name)
    _identity(aws, out)
    _bucket(aws, out)
    _secrets(aws, topology, out)
    _functions(aws, topology, out, base_environment or {})
    _state_machines(aws, topology, out)
    _rules(aws, topology, out)
    return out


def _tables(aws: LocalAws, topology: Topology, out: Provisioned) -> None:
    dynamodb = aws.client("dynamodb")
    for table in topology.tables:
        name = out.physical_name(table.name)
        keys = [table.partition_key] + ([table.sort_key] if table.sort_key else [])
        attributes = {k.name: k.type for k in keys}
        for index in table.indexes:
            attributes[index.partition_key.name] = index.partition_key.type
            if index.sort_key:
                attributes[index.sort_key.name] = index.sort_key.type
        request: dict[str, Any] = {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()],
            "KeySchema": [{"AttributeName": table.partition_key.name, "KeyType": "HASH"}]
            + ([{"AttributeName": table.sort_key.name, "KeyType": "RANGE"}] if table.sort_key else []),
        }
        if table.indexes:
            request["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": [{"AttributeName": index.partition_key.name, "KeyType": "HASH"}]
                    + (
                        [{"AttributeName": index.sort_key.name, "KeyType": "RANGE"}] if index.sort_key else []
                    ),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in table.indexes
            ]
        description = dynamodb.create_table(**request)["TableDescription"]
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        out.names[(Kind.TABLE, table.name)] = name
        out.arns[(Kind.TABLE, table.name)] = description["TableArn"]


def _queues(aws: LocalAws, topology: Topology, out: Provisioned) -> None:
    sqs = aws.client("sqs")
    for queue in topology.queues:
        retention = str(queue.retention_days * 86_400)
        for logical, attributes in (
            (queue.dlq_name, {"MessageRetentionPeriod": str(14 * 86_400)}),
            (
                queue.name,
                {"MessageRetentionPeriod": retention, "VisibilityTimeout": str(queue.visibility_timeout_s)},
            ),
        ):
            if logical == queue.name:
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": out.arns[(Kind.QUEUE, queue.dlq_name)],
                        "maxReceiveCount": str(queue.max_receive_count),
                    }
                )
            name = out.physical_name(logical)
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            out.names[(Kind.QUEUE, logical)] = name
            out.urls[(Kind.QUEUE, logical)] = url
            out.arns[(Kind.QUEUE, logical)] = arn


def _topics(aws: LocalAws, topology: Topology, out: Provisioned) -> None:
    sns = aws.client("sns")
    for topic in topology.topics:
        arn = sns.create_topic(Name=out.physical_name(topic.name))["TopicArn"]
        out.names[(Kind.TOPIC, topic.name)] = out.physical_name(topic.name)
        out.arns[(Kind.TOPIC, topic.name)] = arn
    for sub in topology.subscriptions:
        attributes = {"RawMessageDelivery": "true"}
        if sub.filter_policy:
            attributes["FilterPolicy"] = json.dumps(sub.filter_policy)
            attributes["FilterPolicyScope"] = "MessageAttributes"
        sns.subscribe(
            TopicArn=out.arns[(Kind.TOPIC, sub.topic)],
            Protocol="sqs",
            Endpoint=out.arns[(Kind.QUEUE, sub.queue)],
            Attributes=attributes,
        )


def _buses(aws: LocalAws, topology: Topology, out: Provisioned, stripe_bus_name: str) -> None:
    events = aws.client("events")
    for bus in topology.buses:
        # a partner event source cannot be created locally: a custom bus stands in for it
        name = stripe_bus_name if bus.partner else out.physical_name(bus.name)
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        out.names[(Kind.BUS, bus.name)] = name
        out.arns[(Kind.BUS, bus.name)] = arn


def _identity(aws: LocalAws, out: Provisioned) -> None:
    cognito = aws.client("cognito-idp")
    pool = cognito.create_user_pool(
        PoolName=out.physical_name("users"),
        UsernameAttributes=["email"],
        Policies={
            "PasswordPolicy": {
                "MinimumLength": PASSWORD_POLICY.min_length,
                "RequireUppercase": PASSWORD_POLICY.require_uppercase,
                "RequireLowercase": PASSWORD_POLICY.require_lowercase,
                "RequireNumbers": PASSWORD_POLICY.require_digits,
                "RequireSymbols": PASSWORD_POLICY.require_symbols,
            }
        },
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {"Name": "name", "AttributeDataType": "String", "Required": False, "Mutable": True},
            {"Name": "phone_number", "AttributeDataType": "String", "Required": False, "Mutable": True},
        ],
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=out.physical_name("api"),
        GenerateSecret=False,
        ExplicitAuthFlows=[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        ],
    )["UserPoolClient"]
    for group in GROUPS:
        cognito.create_group(GroupName=group, UserPoolId=pool["Id"])
    out.ids[(Kind.USER_POOL, "users")] = pool["Id"]
    out.arns[(Kind.USER_POOL, "users")] = pool["Arn"]
    out.ids[(Kind.USER_POOL_CLIENT, "users")] = client["ClientId"]


def _bucket(aws: LocalAws, out: Provisioned) -> None:
    name = out.physical_name("images")
    aws.client("s3").create_bucket(Bucket=name)
    aws.client("ses").verify_email_identity(EmailAddress="no-reply@resale.local")
    out.names[(Kind.BUCKET, "images")] = name
    out.arns[(Kind.BUCKET, "images")] = f"arn:aws:s3:::{name}"


def _secrets(aws: LocalAws, topology: Topology, out: Provisioned) -> None:
    """The secrets functions refer to (``Ref(Kind.SECRET, ...)``), empty: locally the plain keys
    in the environment (``SENDGRID_API_KEY``, ...) take precedence over a secret's ARN."""
    refs = (value for function in topology.functions for value in function.environment.values())
    names = sorted({ref.name for ref in refs if isinstance(ref, Ref) and ref.kind == Kind.SECRET})
    for name in names:
        physical = out.physical_name(name)
        created = aws.client("secretsmanager").create_secret(Name=physical, SecretString="{}")
        out.names[(Kind.SECRET, name)] = physical
        out.arns[(Kind.SECRET, name)] = created["ARN"]


def _functions(aws: LocalAws, topology: Topology, out: Provisioned, base_environment: dict[str, str]) -> None:
    # function ARNs first: environments and state machines may refer to any function
    for function in topology.functions:
        out.names[(Kind.FUNCTION, function.name)] = out.physical_name(function.name)
        out.arns[(Kind.FUNCTION, function.name)] = (
            f"arn:aws:lambda:{out.region}:{out.account_id}:function:{out.physical_name(function.name)}"
        )
    for sm in topology.state_machines:
        out.arns[(Kind.STATE_MACHINE, sm.name)] = (
            f"arn:aws:states:{out.region}:{out.account_id}:stateMachine:{out.physical_name(sm.name)}"
        )
        out.names[(Kind.STATE_MACHINE, sm.name)] = out.physical_name(sm.name)
    for function in topology.functions:
        # (the deployed stack also sets POWERTOOLS_SERVICE_NAME per function; in-process
        # functions share one environment, so locally every log line says service "resale")
        environment = {
            **base_environment,
            **{key: out.resolve_value(value) for key, value in function.full_environment.items()},
        }
        arn = aws.create_function(
            out.physical_name(function.name),
            handler=function.handler,
            timeout_s=function.timeout_s,
            memory_mb=function.memory_mb,
            environment=environment,
        )
        out.arns[(Kind.FUNCTION, function.name)] = arn


def _state_machines(aws: LocalAws, topology: Topology, out: Provisioned) -> None:
    sfn = aws.client("stepfunctions")
    role = f"arn:aws:iam::{out.account_id}:role/resale-{out.stage}-states"
    for sm in topology.state_machines:
        values = {key: out.resolve(ref) for key, ref in sm.substitutions.items()}
        definition = substitute(sm.path.read_text(encoding="utf-8"), values, source=sm.definition)
        arn = sfn.create_state_machine(
            name=out.physical_name(sm.name), definition=definition, roleArn=role, type=sm.type
        )["stateMachineArn"]
        out.arns[(Kind.STATE_MACHINE, sm.name)] = arn


def _rules(aws: LocalAws, topology: Topology, out: Provisioned) -> None:
    events = aws.client("events")
    for rule in topology.rules:
        bus = out.names[(Kind.BUS, rule.bus)] if rule.bus else "default"
        request: dict[str, Any] = {
            "Name": out.physical_name(rule.name),
            "EventBusName": bus,
            "State": "ENABLED",
        }
        if rule.event_pattern is not None:
            request["EventPattern"] = json.dumps(rule.event_pattern)
        else:
            request["ScheduleExpression"] = rule.schedule
        events.put_rule(**request)
        dlq_arn = _rule_dlq(aws, rule.dlq_name, out)
        targets = []
        for index, target in enumerate(rule.targets):
            kind = {"function": Kind.FUNCTION, "queue": Kind.QUEUE, "state_machine": Kind.STATE_MACHINE}[
                target.kind
            ]
            targets.append(
                {
                    "Id": f"{target.kind}-{index}",
                    "Arn": out.arns[(kind, target.name)],
                    # as the CDK declares them (stacks/constructs/events.py)
                    "RetryPolicy": {
                        "MaximumRetryAttempts": target.retry_attempts,
                        "MaximumEventAgeInSeconds": target.max_event_age_s,
                    },
                    "DeadLetterConfig": {"Arn": dlq_arn},
                }
            )
            if target.kind == "function":
                # Lambda's asynchronous invocation of the function, failures to the rule's DLQ
                aws.deliveries.configure(
                    out.names[(Kind.FUNCTION, target.name)],
                    AsyncInvokeConfig(
                        retry_attempts=target.function_retry_attempts,
                        max_event_age_s=target.function_max_event_age_s,
                        on_failure_queue=out.urls[(Kind.QUEUE, rule.dlq_name)],
                    ),
                )
        events.put_targets(Rule=out.physical_name(rule.name), EventBusName=bus, Targets=targets)


def _rule_dlq(aws: LocalAws, logical: str, out: Provisioned) -> str:
    """The rule's dead-letter queue (the CDK's ``rule-<name>-dlq``); returns its ARN."""
    sqs = aws.client("sqs")
    name = out.physical_name(logical)
    retention = {"MessageRetentionPeriod": str(14 * 86_400)}
    url = sqs.create_queue(QueueName=name, Attributes=retention)["QueueUrl"]
    arn = str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    out.names[(Kind.QUEUE, logical)] = name
    out.urls[(Kind.QUEUE, logical)] = url
    out.arns[(Kind.QUEUE, logical)] = arn
    return arn
