"""The deployed stacks and the local cloud declare the same resources (both come from the topology)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from stacks.topology import TOPOLOGY
from tests.infra.synth import LOGICAL_NAME_TAG, resources, synthesize

if TYPE_CHECKING:
    from local.runtime import LocalCloud


def _names(template: Any, resource_type: str, prop: str, prefix: str) -> set[str]:
    """Topology names: from the physical name where the stack sets one, else from the name tag."""
    names: set[str] = set()
    for resource in resources(template, resource_type).values():
        value = resource["Properties"].get(prop)
        if isinstance(value, str) and value.startswith(prefix):
            names.add(value.removeprefix(prefix))
            continue
        tags = {t["Key"]: t["Value"] for t in resource["Properties"].get("Tags", [])}
        if LOGICAL_NAME_TAG in tags:
            names.add(tags[LOGICAL_NAME_TAG])
    return names


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> dict[str, set[str]]:
    synth = synthesize(tmp_path_factory.mktemp("cdk.out"), stage="dev")
    prefix = "resale-dev-"
    stateless = synth.stateless
    return {
        "functions": _names(stateless, "AWS::Lambda::Function", "FunctionName", prefix),
        "state_machines": _names(stateless, "AWS::StepFunctions::StateMachine", "StateMachineName", prefix),
        "queues": _names(stateless, "AWS::SQS::Queue", "QueueName", prefix),
        "topics": _names(stateless, "AWS::SNS::Topic", "TopicName", prefix),
        "rules": _names(stateless, "AWS::Events::Rule", "Name", prefix),
        "tables": _names(synth.stateful, "AWS::DynamoDB::Table", "TableName", prefix),
    }


@pytest.fixture(scope="module")
def local(cloud: LocalCloud) -> dict[str, set[str]]:
    assert cloud.aws is not None
    prefix = f"resale-{cloud.config.stage}-"
    aws = cloud.aws

    def strip(values: list[str]) -> set[str]:
        return {v.removeprefix(prefix) for v in values if v.startswith(prefix)}

    buses = [b["Name"] for b in aws.client("events").list_event_buses()["EventBuses"]]
    rules = [r["Name"] for bus in buses for r in aws.client("events").list_rules(EventBusName=bus)["Rules"]]
    return {
        "functions": strip([f["FunctionName"] for f in aws.client("lambda").list_functions()["Functions"]]),
        "state_machines": strip(
            [s["name"] for s in aws.client("stepfunctions").list_state_machines()["stateMachines"]]
        ),
        "queues": strip([u.rsplit("/", 1)[1] for u in aws.client("sqs").list_queues().get("QueueUrls", [])]),
        "topics": strip([t["TopicArn"].rsplit(":", 1)[1] for t in aws.client("sns").list_topics()["Topics"]]),
        "rules": strip(rules),
        "tables": strip(aws.client("dynamodb").list_tables()["TableNames"]),
    }


@pytest.mark.parametrize("kind", ["functions", "state_machines", "queues", "topics", "rules", "tables"])
def test_given_the_topology_then_the_cdk_template_and_the_local_cloud_declare_the_same(
    kind: str, deployed: dict[str, set[str]], local: dict[str, set[str]]
) -> None:
    declared = {
        "functions": {f.name for f in TOPOLOGY.functions},
        "state_machines": {s.name for s in TOPOLOGY.state_machines},
        "queues": {q.name for q in TOPOLOGY.queues} | {q.dlq_name for q in TOPOLOGY.queues},
        "topics": {t.name for t in TOPOLOGY.topics},
        "rules": {r.name for r in TOPOLOGY.rules},
        "tables": {t.name for t in TOPOLOGY.tables},
    }[kind]
    # tests may add their own resources to the session's local cloud; the topology's must all be there
    assert declared <= local[kind], f"missing locally: {sorted(declared - local[kind])}"
    assert declared <= deployed[kind], f"missing in the template: {sorted(declared - deployed[kind])}"
    extra = deployed[kind] - declared
    assert not {e for e in extra if not e.endswith(("-dlq", "-target-dlq"))}, (
        f"template has undeclared {sorted(extra)}"
    )
