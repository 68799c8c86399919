"""statemachines/seller_onboarding.json as declared in stacks/capabilities/onboarding.py (the rules
every machine keeps are tests/unit/test_asl_structure.py's)."""

from __future__ import annotations

import importlib
import json
import re

from stacks.topology import TOPOLOGY

MACHINE = TOPOLOGY.state_machine("seller-onboarding")
ASL = json.loads(MACHINE.path.read_text())
TASKS = {name: s for name, s in ASL["States"].items() if s["Type"] == "Task"}


def _module(state: str) -> str:
    return "lambdas.steps.onboarding." + state.lower().replace(" ", "_")


def test_given_the_declaration_then_it_is_standard_with_a_substitution_per_placeholder() -> None:
    assert MACHINE.type == "STANDARD"
    assert set(re.findall(r"\$\{(\w+)\}", MACHINE.path.read_text())) == set(MACHINE.substitutions)
    assert ASL["TimeoutSeconds"] <= MACHINE.timeout_s


def test_given_every_step_but_the_compensation_then_a_failure_marks_the_onboarding_failed() -> None:
    # timeouts, retries and the Catch rule of every machine: tests/unit/test_asl_structure.py
    for name in set(TASKS) - {"Mark Onboarding Failed"}:
        targets = {c["Next"] for c in TASKS[name]["Catch"]}
        assert "Mark Onboarding Failed" in targets, name
    wait = TASKS["Wait For Account Update"]
    assert wait["Resource"].endswith(".waitForTaskToken")
    assert wait["TimeoutSecondsPath"] == "$.next.timeout_seconds"
    assert wait["Catch"][0] == {
        "ErrorEquals": ["States.Timeout"],
        "ResultPath": "$.timeout",
        "Next": "Remind Or Expire?",
    }


def test_given_each_state_then_its_function_runs_the_module_named_after_it() -> None:
    handlers = {f.name: f.handler for f in TOPOLOGY.functions}
    for name, task in TASKS.items():
        placeholder = re.fullmatch(r"\$\{(\w+)\}", task["Parameters"]["FunctionName"])
        assert placeholder, name
        function = MACHINE.substitutions[placeholder.group(1)].name
        if name == "Wait For Account Update":
            assert function == "wait-for-event"
            continue
        assert handlers[function] == _module(name) + ".handler"
        assert callable(importlib.import_module(_module(name)).handler)
