"""statemachines/seller_onboarding.json as declared in stacks/capabilities/onboarding.py."""

from __future__ import annotations

import importlib
import json
import re

from stacks.topology import TOPOLOGY

MACHINE = TOPOLOGY.state_machine("seller-onboarding")
ASL = json.loads(MACHINE.path.read_text())
TASKS = {name: s for name, s in ASL["States"].items() if s["Type"] == "Task"}
TRANSIENT = {
    "TransientError",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
}


def _module(state: str) -> str:
    return "lambdas.steps.onboarding." + state.lower().replace(" ", "_")


def test_given_the_declaration_then_it_is_standard_with_a_substitution_per_placeholder() -> None:
    assert MACHINE.type == "STANDARD"
    assert set(re.findall(r"\$\{(\w+)\}", MACHINE.path.read_text())) == set(MACHINE.substitutions)
    assert ASL["TimeoutSeconds"] <= MACHINE.timeout_s


def test_given_every_task_then_it_has_a_timeout_and_retries_transient_and_lambda_errors_only() -> None:
    for name, task in TASKS.items():
        assert "TimeoutSeconds" in task or "TimeoutSecondsPath" in task, name
        assert 0 < task.get("TimeoutSeconds", 1) <= 60, name
        retried = {e for r in task["Retry"] for e in r["ErrorEquals"]}
        assert retried >= TRANSIENT, name
        assert "States.ALL" not in retried and "DomainError" not in retried, name


def test_given_the_steps_before_activation_then_a_failure_is_compensated() -> None:
    compensated = ("Create Connected Account", "Create Account Link", "Wait For Account Update")
    for name in (*compensated, "Evaluate Account", "Send Reminder"):
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
