"""statemachines/checkout.json as declared in stacks/capabilities/checkout.py: every failure after
the items are held leads to a compensation, and every path is bounded (the state graph has no
cycle); and the checkout_preparation.json it nests, which holds the items and compensates nothing
itself. The rules every machine keeps (timeouts, retries, catches) are tests/unit/test_asl_structure.py's."""

from __future__ import annotations

import json
import re

from stacks.topology import TOPOLOGY

MACHINE = TOPOLOGY.state_machine("checkout")
PREPARATION = TOPOLOGY.state_machine("checkout-preparation")
ASL = json.loads(MACHINE.path.read_text())
PREPARATION_ASL = json.loads(PREPARATION.path.read_text())
STATES = ASL["States"]
TASKS = {name: s for name, s in STATES.items() if s["Type"] == "Task"}
COMPENSATIONS = {
    "Refuse Checkout",
    "Abandon Checkout",
    "Refund Checkout",
    "Sale Not Completed",
    "Compensation Failed",
}


def _reachable_from(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        state = STATES[todo.pop()]
        nexts = [state.get("Next"), state.get("Default")]
        nexts += [c["Next"] for c in state.get("Choices", [])] + [c["Next"] for c in state.get("Catch", [])]
        for n in nexts:
            if n and n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def test_given_the_declaration_then_standard_with_a_substitution_per_placeholder() -> None:
    assert MACHINE.type == "STANDARD"
    assert set(re.findall(r"\$\{(\w+)\}", MACHINE.path.read_text())) == set(MACHINE.substitutions)
    # the preparation: Express (nothing in it waits), within Express's five minutes and the
    # parent's wait for it, and its failures are the checkout's to judge
    assert PREPARATION.type == "EXPRESS" and PREPARATION.failures_caught_by_caller
    assert set(re.findall(r"\$\{(\w+)\}", PREPARATION.path.read_text())) == set(PREPARATION.substitutions)
    assert PREPARATION_ASL["TimeoutSeconds"] == PREPARATION.timeout_s == 300
    assert TASKS["Prepare Checkout"]["TimeoutSeconds"] > PREPARATION.timeout_s


def test_given_a_failure_after_items_are_held_then_it_reaches_a_compensation() -> None:
    # the preparation holds the items and fails with the step's error: it catches nothing, and the
    # checkout's Prepare Checkout catches everything (a failure of the preparation included)
    prepared = PREPARATION_ASL["States"]
    assert all("Catch" not in state for state in prepared.values())
    assert {e for c in TASKS["Prepare Checkout"]["Catch"] for e in c["ErrorEquals"]} == {"States.ALL"}
    for name in ("Prepare Checkout", "Wait For Payment"):
        targets = {c["Next"] for c in TASKS[name]["Catch"]}
        assert targets & {"Refuse Checkout", "Expired"}, name
        assert "Abandon Checkout" in _reachable_from(name), name
    # a payment that cannot be recorded is refunded; one found paid during abandon is marked paid
    # by its own state, whose failure is refunded too
    assert {c["Next"] for c in TASKS["Mark Paid"]["Catch"]} == {"Refuse Checkout", "Refund Checkout"}
    assert any(
        c["Next"] == "Mark Late Payment" and c["ErrorEquals"] == ["PaymentAlreadySucceeded"]
        for c in TASKS["Abandon Checkout"]["Catch"]
    )
    assert {c["Next"] for c in TASKS["Mark Late Payment"]["Catch"]} == {"Refund Checkout"}
    assert TASKS["Mark Late Payment"]["Parameters"] == TASKS["Mark Paid"]["Parameters"]


def test_given_every_state_then_no_path_comes_back_to_it() -> None:
    # Abandon Checkout -> Mark Paid -> Refuse Checkout -> Abandon Checkout looped until the
    # execution's 2-day timeout; no state may be reachable from itself
    looping = sorted(name for name in STATES if name in _reachable_from(name))
    assert looping == []


def test_given_a_system_failure_then_the_execution_fails_and_a_refusal_succeeds() -> None:
    why = STATES["Why Ended?"]
    assert why["Choices"] == [
        {"Variable": "$.ended.status", "StringEquals": "failed", "Next": "Checkout Failed"}
    ]
    assert why["Default"] == "Checkout Ended"
    assert STATES["Refuse Checkout"]["Parameters"]["outcome"] == "refused"


def test_given_the_wait_then_it_expires_at_the_checkouts_expiry_and_resumes_on_stripes_event() -> None:
    wait = TASKS["Wait For Payment"]
    assert wait["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert wait["TimeoutSecondsPath"] == "$.cart.expires_in_seconds"
    assert {c["Next"] for c in wait["Catch"] if c["ErrorEquals"] == ["States.Timeout"]} == {"Expired"}
    assert TASKS["Prepare Checkout"]["Resource"] == "arn:aws:states:::states:startExecution.sync:2"


def test_given_the_happy_path_then_it_is_five_billed_transitions() -> None:
    path, state = [], ASL["StartAt"]
    choices = {"Payment Outcome": "Mark Paid"}
    while state:
        path.append(state)
        spec = STATES[state]
        state = choices.get(state) or spec.get("Next")
    assert path == ["Prepare Checkout", "Wait For Payment", "Payment Outcome", "Mark Paid", "Complete Sale"]
