"""The topology refuses to describe something that cannot be built."""

from __future__ import annotations

import dataclasses

import pytest

from stacks.topology import TOPOLOGY, Consumer, FunctionTarget, Kind, Ref, Route, Rule, RuleTarget


def test_given_the_real_topology_then_it_is_consistent() -> None:
    TOPOLOGY.validate()


def test_given_a_route_to_an_undeclared_function_then_validation_names_it() -> None:
    broken = dataclasses.replace(
        TOPOLOGY, routes=(*TOPOLOGY.routes, Route("GET", "/x", "public", FunctionTarget("nope")))
    )
    with pytest.raises(ValueError, match="route GET /x: unknown function 'nope'"):
        broken.validate()


def test_given_an_environment_ref_to_an_undeclared_table_then_validation_names_it() -> None:
    fn = dataclasses.replace(TOPOLOGY.functions[0], environment={"T": Ref(Kind.TABLE, "ghost")})
    broken = dataclasses.replace(TOPOLOGY, functions=(fn, *TOPOLOGY.functions[1:]))
    with pytest.raises(ValueError, match="unknown table 'ghost'"):
        broken.validate()


def test_given_a_rule_with_both_pattern_and_schedule_then_it_is_refused() -> None:
    rule = Rule(
        "both",
        targets=(RuleTarget("function", "api-health"),),
        event_pattern={"source": ["x"]},
        schedule="rate(1 hour)",
    )
    broken = dataclasses.replace(TOPOLOGY, rules=(*TOPOLOGY.rules, rule))
    with pytest.raises(ValueError, match="exactly one of event_pattern and schedule"):
        broken.validate()


def test_given_a_queue_whose_visibility_is_shorter_than_six_consumer_timeouts_then_it_is_refused() -> None:
    queue = dataclasses.replace(TOPOLOGY.queues[0], visibility_timeout_s=20, consumer=Consumer("api-health"))
    broken = dataclasses.replace(TOPOLOGY, queues=(queue, *TOPOLOGY.queues[1:]))
    with pytest.raises(ValueError, match="under 6x"):
        broken.validate()


def test_given_two_capabilities_declaring_the_same_route_then_composing_them_fails() -> None:
    from stacks.topology import Capability, compose

    route = Route("GET", "/same", "public", FunctionTarget("api-health"))
    with pytest.raises(ValueError, match="routes declared twice"):
        compose(Capability("a", routes=(route,)), Capability("b", routes=(route,)))
