"""statemachines/fee_calculation.json as declared in stacks/capabilities/fees.py (the rules every
machine keeps, retries included, are tests/unit/test_asl_structure.py's)."""

from __future__ import annotations

import json
import re

from stacks.topology import TOPOLOGY

MACHINE = TOPOLOGY.state_machine("fee-calculation")
ASL = json.loads(MACHINE.path.read_text())


def test_given_the_declaration_then_it_is_express_with_a_substitution_per_placeholder() -> None:
    assert MACHINE.type == "EXPRESS"
    assert set(re.findall(r"\$\{(\w+)\}", MACHINE.path.read_text())) == set(MACHINE.substitutions)
    assert ASL["TimeoutSeconds"] <= MACHINE.timeout_s


def test_given_every_task_then_a_short_timeout_for_a_synchronous_machine() -> None:
    tasks = {name: s for name, s in ASL["States"].items() if s["Type"] == "Task"}
    assert set(tasks) == {"Load Order Lines", "Calculate Fees"}
    for name, task in tasks.items():
        assert 0 < task["TimeoutSeconds"] <= 15, name


def test_given_the_steps_then_each_is_served_by_its_declared_function() -> None:
    handlers = {f.name: f.handler for f in TOPOLOGY.functions}
    assert handlers[MACHINE.substitutions["LoadOrderLinesFunctionArn"].name] == (
        "lambdas.steps.fees.load_order_lines.handler"
    )
    assert handlers[MACHINE.substitutions["CalculateFeesFunctionArn"].name] == (
        "lambdas.steps.fees.calculate_fees.handler"
    )


def test_given_a_rejection_then_every_step_catches_exactly_those_names_and_the_execution_succeeds() -> None:
    from workflows.fees.errors import FEE_REJECTIONS

    states = ASL["States"]
    for name in ("Load Order Lines", "Calculate Fees"):
        (catch,) = states[name]["Catch"]
        # the client's and the business's refusals only: a real failure (TransientError retried
        # out, FeeScheduleMissing, a bug, a timeout) is never caught, so it FAILS the execution
        assert set(catch["ErrorEquals"]) == set(FEE_REJECTIONS), name
        assert catch["Next"] == "Read Rejection", name
    # and the rejection path ends in a Pass that ends the execution: SUCCEEDED, never a Fail state
    path, state = [], "Read Rejection"
    while state:
        path.append(state)
        assert states[state]["Type"] == "Pass", state
        state = states[state].get("Next")
    assert states[path[-1]]["End"] is True
    assert states[path[-1]]["Parameters"]["outcome"] == "rejected"
    # with the keys a quote has, so that the checkout selects the same ones either way
    assert {"outcome", "quote_id", "error"} <= set(states[path[-1]]["Parameters"])
    assert not [s for s in states.values() if s["Type"] == "Fail"]
