"""The webhook route and bus as deployed: POST /webhooks/stripe has no authorizer, its function
may put events on the stripe-webhooks bus only, and every rule of the Stripe (partner) bus is on
the stripe-webhooks bus too, with the same pattern, targets and DLQ (by the model, not by hand)."""

from __future__ import annotations

import json

import pytest

from stacks.model import Bus, Capability, Function, Rule, RuleTarget, compose
from stacks.topology import TOPOLOGY
from tests.infra.synth import (
    api_routes,
    function_id,
    function_named,
    resources,
    synthesize,
    tagged,
    tagged_id,
)

PARTNER_SOURCE = "aws.partner/stripe.com/ed_test_61Webhooks"
STRIPE_RULES = [r for r in TOPOLOGY.rules if r.bus == "stripe"]


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return synthesize(
        tmp_path_factory.mktemp("cdk.out"),
        stage="dev",
        stripe_partner_event_source=PARTNER_SOURCE,
        alarm_email="ops@example.com",
    )


def _rule(synth, name: str) -> dict:
    found = synth.stateless.find_resources(
        "AWS::Events::Rule", {"Properties": {"Name": f"resale-dev-{name}"}}
    )
    assert len(found) == 1, name
    return next(iter(found.values()))["Properties"]


# ------------------------------------------------------------------ the model


def test_given_a_bus_with_the_rules_of_another_then_compose_attaches_a_copy_of_each() -> None:
    consumer = Function("consumer", handler="x.handler", description="d")
    rule = Rule(
        "on-a", bus="a", event_pattern={"detail-type": ["x"]}, targets=(RuleTarget("function", "consumer"),)
    )
    topology = compose(
        Capability("one", functions=(consumer,), buses=(Bus("a"),), rules=(rule,)),
        Capability("two", buses=(Bus("b", same_rules_as="a"),)),
    )
    (copy,) = [r for r in topology.rules if r.bus == "b"]
    assert (copy.name, copy.mirror_of, copy.event_pattern, copy.targets) == (
        "on-a-on-b",
        "on-a",
        rule.event_pattern,
        rule.targets,
    )
    assert copy.dlq_name == rule.dlq_name == "rule-on-a-dlq"
    topology.validate()  # one function, two rules: allowed, for they share one DLQ


def test_given_a_bus_with_the_rules_of_an_unknown_bus_then_the_topology_is_invalid() -> None:
    topology = compose(Capability("one", buses=(Bus("b", same_rules_as="nowhere"),)))
    with pytest.raises(ValueError, match="unknown bus 'nowhere'"):
        topology.validate()


def test_given_the_topology_then_every_stripe_rule_is_on_the_webhooks_bus_too() -> None:
    assert STRIPE_RULES
    on_webhooks = {r.mirror_of: r for r in TOPOLOGY.rules if r.bus == "stripe-webhooks"}
    assert set(on_webhooks) == {r.name for r in STRIPE_RULES}
    for rule in STRIPE_RULES:
        copy = on_webhooks[rule.name]
        assert (copy.event_pattern, copy.targets, copy.dlq_name) == (
            rule.event_pattern,
            rule.targets,
            rule.dlq_name,
        )


# ------------------------------------------------------------------ the template


def test_the_webhook_route_has_no_authorizer_and_proxies_to_its_function(synth) -> None:
    method = api_routes(synth.api)[("POST", "/webhooks/stripe")]["Properties"]
    assert method["AuthorizationType"] == "NONE"
    assert "AuthorizerId" not in method
    assert method["Integration"]["Type"] == "AWS_PROXY"
    assert function_id(synth.stateless, "resale-dev-api-webhooks")[:-8] in json.dumps(
        method["Integration"]["Uri"]
    )


def test_the_webhooks_bus_is_a_custom_bus_beside_the_partner_bus(synth) -> None:
    props = tagged(synth.stateless, "AWS::Events::EventBus", "stripe-webhooks")["Properties"]
    assert props["Name"] == "resale-dev-stripe-webhooks"
    assert "EventSourceName" not in props
    assert tagged(synth.stateless, "AWS::Events::EventBus", "stripe")["Properties"]["EventSourceName"] == (
        PARTNER_SOURCE
    )


@pytest.mark.parametrize("rule", STRIPE_RULES, ids=lambda r: r.name)
def test_each_stripe_rule_reaches_its_targets_from_both_buses_with_one_dlq(synth, rule) -> None:
    original, copy = _rule(synth, rule.name), _rule(synth, f"{rule.name}-on-stripe-webhooks")
    assert original["EventBusName"] == {"Ref": tagged_id(synth.stateless, "AWS::Events::EventBus", "stripe")}
    assert copy["EventBusName"] == {
        "Ref": tagged_id(synth.stateless, "AWS::Events::EventBus", "stripe-webhooks")
    }
    assert copy["EventPattern"] == original["EventPattern"] == rule.event_pattern
    assert [t["Arn"] for t in copy["Targets"]] == [t["Arn"] for t in original["Targets"]]
    dlq = {"Arn": {"Fn::GetAtt": [tagged_id(synth.stateless, "AWS::SQS::Queue", rule.dlq_name), "Arn"]}}
    assert all(t["DeadLetterConfig"] == dlq for t in original["Targets"] + copy["Targets"])


def test_each_stripe_consumer_has_one_asynchronous_invocation_config(synth) -> None:
    configs = resources(synth.stateless, "AWS::Lambda::EventInvokeConfig").values()
    for rule in STRIPE_RULES:
        for target in rule.targets:
            name = f"resale-dev-{target.name}"
            fn_id = function_id(synth.stateless, name)
            mine = [c for c in configs if fn_id in json.dumps(c["Properties"]["FunctionName"])]
            assert len(mine) == 1, name


def test_the_webhook_function_may_put_events_on_the_webhooks_bus_and_read_the_stripe_secret(synth) -> None:
    props = function_named(synth.stateless, "resale-dev-api-webhooks")["Properties"]
    bus_id = tagged_id(synth.stateless, "AWS::Events::EventBus", "stripe-webhooks")
    assert props["Environment"]["Variables"]["STRIPE_WEBHOOKS_BUS_NAME"] == {"Ref": bus_id}
    role_id = props["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in resources(synth.stateless, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    put = [s for s in statements if "events:PutEvents" in json.dumps(s["Action"])]
    assert len(put) == 1
    assert put[0]["Resource"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert any("secretsmanager:GetSecretValue" in json.dumps(s["Action"]) for s in statements)


# ------------------------------------------------------------------ the local cloud


def test_the_local_cloud_has_the_stripe_rules_on_the_webhooks_bus(cloud) -> None:
    aws, provisioned = cloud.started()
    bus = provisioned.names[("bus", "stripe-webhooks")]
    names = {r["Name"] for r in aws.client("events").list_rules(EventBusName=bus)["Rules"]}
    assert names == {f"resale-local-{r.name}-on-stripe-webhooks" for r in STRIPE_RULES}
