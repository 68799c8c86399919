"""The failed-executions alarms of the real topology: every state machine (Express ones too) has
one per real failure (ExecutionsFailed, ExecutionsTimedOut, ExecutionsAborted), and nothing else
of Step Functions' metrics alarms: a business outcome (a rejected quote, a cancelled checkout)
ends SUCCEEDED and is never counted. A machine that fails on purpose for its caller to judge
(checkout's preparation: a refused cart fails it) has no ExecutionsFailed alarm; its caller has."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.topology import TOPOLOGY
from tests.infra.synth import resources, synthesize

CAUGHT_BY_CALLER = {m.name for m in TOPOLOGY.state_machines if m.failures_caught_by_caller}
FAILURES = {
    "failed": "ExecutionsFailed",
    "timed-out": "ExecutionsTimedOut",
    "aborted": "ExecutionsAborted",
}


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return synthesize(tmp_path_factory.mktemp("cdk.out"), stage="dev")


def _state_machine_alarms(synth) -> dict[str, dict[str, Any]]:
    alarms = resources(synth.monitoring, "AWS::CloudWatch::Alarm")
    return {
        props["AlarmName"]: props
        for props in (a["Properties"] for a in alarms.values())
        if props.get("Namespace") == "AWS/States"
    }


def test_given_the_topology_then_express_and_standard_machines_are_all_watched() -> None:
    kinds = {m.type for m in TOPOLOGY.state_machines}
    assert kinds == {"STANDARD", "EXPRESS"}
    assert "fee-calculation" in {m.name for m in TOPOLOGY.state_machines}


@pytest.mark.parametrize(
    ("machine", "kind", "metric"),
    [
        (m.name, kind, metric)
        for m in TOPOLOGY.state_machines
        for kind, metric in sorted(FAILURES.items())
        # one that fails on purpose for its caller to judge: its caller's alarm (the last test)
        if not (kind == "failed" and m.name in CAUGHT_BY_CALLER)
    ],
)
def test_given_a_state_machine_then_each_real_failure_alarms_on_any_execution(
    synth, machine: str, kind: str, metric: str
) -> None:
    alarm = _state_machine_alarms(synth)[f"resale-dev-{machine}-executions-{kind}"]
    assert alarm["MetricName"] == metric
    assert alarm["Statistic"] == "Sum"
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert [d["Name"] for d in alarm["Dimensions"]] == ["StateMachineArn"]


def test_given_the_alarms_then_only_real_failures_count_and_each_watches_its_own_machine(synth) -> None:
    alarms = _state_machine_alarms(synth)
    # a SUCCEEDED execution (a business outcome) is never counted: no other metric is alarmed on
    assert {a["MetricName"] for a in alarms.values()} == set(FAILURES.values())
    assert len(alarms) == len(FAILURES) * len(TOPOLOGY.state_machines) - len(CAUGHT_BY_CALLER)


def test_given_the_checkout_preparation_then_its_failures_alarm_through_the_checkout(synth) -> None:
    # a refused cart fails the preparation on purpose; the checkout catches it and ends SUCCEEDED
    # (cancelled), or FAILED for a real failure, which the checkout's alarm counts
    assert {"checkout-preparation"} == CAUGHT_BY_CALLER
    alarms = _state_machine_alarms(synth)
    assert "resale-dev-checkout-preparation-executions-failed" not in alarms
    assert "resale-dev-checkout-preparation-executions-timed-out" in alarms
    assert "resale-dev-checkout-executions-failed" in alarms
    # and the three alarms of a machine watch that machine, no two machines the same one
    by_machine: dict[str, set[str]] = {}
    for name, alarm in alarms.items():
        machine = name.removeprefix("resale-dev-").rsplit("-executions-", 1)[0]
        by_machine.setdefault(machine, set()).add(repr(alarm["Dimensions"][0]["Value"]))
    assert set(by_machine) == {m.name for m in TOPOLOGY.state_machines}
    assert all(len(values) == 1 for values in by_machine.values()), by_machine
    assert len({next(iter(v)) for v in by_machine.values()}) == len(by_machine)
