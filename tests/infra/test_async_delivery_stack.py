"""The deployed rules retry and dead-letter as the topology declares, with the same values the
local cloud delivers with: EventBridge's retry policy on every target, and for a function target
Lambda's asynchronous invocation config, whose failures go to the rule's DLQ as well."""

from __future__ import annotations

import pytest

from stacks.topology import TOPOLOGY
from tests.infra.synth import function_id, synthesize, tagged_id

PARTNER_SOURCE = "aws.partner/stripe.com/ed_test_async"
FUNCTION_RULES = [
    (rule, target)
    for rule in TOPOLOGY.rules
    if rule.mirror_of is None
    for target in rule.targets
    if target.kind == "function"
]


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return synthesize(
        tmp_path_factory.mktemp("cdk.out"),
        stage="dev",
        stripe_partner_event_source=PARTNER_SOURCE,
        alarm_email="ops@example.com",
    )


@pytest.mark.parametrize("rule", TOPOLOGY.rules, ids=lambda r: r.name)
def test_each_rule_target_has_the_declared_retry_policy(synth, rule) -> None:
    found = synth.stateless.find_resources(
        "AWS::Events::Rule", {"Properties": {"Name": f"resale-dev-{rule.name}"}}
    )
    (props,) = [r["Properties"] for r in found.values()]
    policies = [t["RetryPolicy"] for t in props["Targets"]]
    assert policies == [
        {"MaximumRetryAttempts": t.retry_attempts, "MaximumEventAgeInSeconds": t.max_event_age_s}
        for t in rule.targets
    ]


@pytest.mark.parametrize(("rule", "target"), FUNCTION_RULES, ids=lambda x: getattr(x, "name", ""))
def test_each_function_target_retries_and_dead_letters_its_failures_to_the_rules_dlq(
    synth, rule, target
) -> None:
    configs = synth.stateless.find_resources(
        "AWS::Lambda::EventInvokeConfig",
        {"Properties": {"FunctionName": {"Ref": function_id(synth.stateless, f"resale-dev-{target.name}")}}},
    )
    (props,) = [c["Properties"] for c in configs.values()]
    dlq_id = tagged_id(synth.stateless, "AWS::SQS::Queue", rule.dlq_name)
    assert props["MaximumRetryAttempts"] == target.function_retry_attempts
    assert props["MaximumEventAgeInSeconds"] == target.function_max_event_age_s
    assert props["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [dlq_id, "Arn"]}}}


def test_given_retry_settings_aws_would_refuse_then_the_topology_does_not_validate() -> None:
    from dataclasses import replace

    rule = next(r for r in TOPOLOGY.rules if r.mirror_of is None and r.targets[0].kind == "function")
    bad = replace(rule, targets=(replace(rule.targets[0], retry_attempts=186, function_retry_attempts=3),))
    topology = replace(TOPOLOGY, rules=tuple(bad if r is rule else r for r in TOPOLOGY.rules))
    with pytest.raises(ValueError, match="retry_attempts 186") as raised:
        topology.validate()
    assert "function_retry_attempts 3" in str(raised.value)
