"""The rules every state machine in ``statemachines/`` keeps, checked once over all of them.

Every Task has a timeout (a fixed one, a path, or a heartbeat for a task token), retries the
transient errors of its integration and nothing else (never ``States.ALL``: a business outcome
or a bug is not made better by running it again), and has a Catch unless it is listed in
:data:`WITHOUT_CATCH` with the reason. Every state is reachable from ``StartAt``, every
``Next``/``Default``/Catch target exists, names are unique within a machine, and every Fail
state says what failed (``Error`` and ``Cause``).
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

STATEMACHINES = Path(__file__).resolve().parents[2] / "statemachines"
ASL_FILES = sorted(STATEMACHINES.glob("*.json"))

#: what a Task may retry, by the integration it calls (the service's own transient errors)
LAMBDA_TRANSIENT = frozenset(
    {
        "TransientError",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    }
)
#: a Lambda-backed Task retries at least these
LAMBDA_REQUIRED = frozenset(
    {"TransientError", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"}
)
STATES_TRANSIENT = frozenset(
    {
        "StepFunctions.SdkClientException",
        "StepFunctions.AWSStepFunctionsException",
        "StepFunctions.ExecutionLimitExceededException",
    }
)

SFN_SDK_TRANSIENT = frozenset({"Sfn.SfnException", "Sfn.SdkClientException"})

_PREPARATION_STEP = (
    "checkout_preparation is an Express execution nested in checkout: a step's error, after its "
    "retries, fails it with that error and cause, and checkout's Prepare Checkout catches that "
    "and compensates (a Catch here could only fail the execution the same way)"
)

#: Tasks that deliberately have no Catch, and why (``file: {state: reason}``)
WITHOUT_CATCH: dict[str, dict[str, str]] = {
    "checkout_preparation.json": dict.fromkeys(
        ("Validate Cart", "Reserve Items", "Calculate Fees", "Create Orders", "Request Payment"),
        _PREPARATION_STEP,
    ),
    "seller_onboarding.json": {
        "Mark Onboarding Failed": (
            "it is the compensation every other step's Catch leads to: if it fails after its "
            "retries there is nothing left to compensate with, and the execution must FAIL so "
            "that the failed-executions alarm fires"
        ),
    },
}


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _scopes(machine: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    """The machine and every nested state list (Parallel branches, Map processors), each with
    its own ``StartAt`` and ``States``."""
    found = [(where, machine)]
    for name, state in machine["States"].items():
        for index, branch in enumerate(state.get("Branches", [])):
            found += _scopes(branch, f"{where} > {name}[{index}]")
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor is not None:
            found += _scopes(processor, f"{where} > {name}")
    return found


def _tasks(file: str, machine: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, state)
        for _, scope in _scopes(machine, file)
        for name, state in scope["States"].items()
        if state["Type"] == "Task"
    ]


def _targets(state: dict[str, Any]) -> list[str]:
    targets = [state[key] for key in ("Next", "Default") if key in state]
    targets += [choice["Next"] for choice in state.get("Choices", []) if "Next" in choice]
    targets += [catch["Next"] for catch in state.get("Catch", [])]
    return targets


def _reachable(scope: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = [scope["StartAt"]]
    while todo:
        name = todo.pop()
        if name in seen or name not in scope["States"]:
            continue
        seen.add(name)
        todo += _targets(scope["States"][name])
    return seen


def _repeated_keys(text: str) -> list[str]:
    """Keys written twice in one JSON object (``json.loads`` would silently keep the last)."""
    repeated: list[str] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        repeated.extend(key for key, times in Counter(key for key, _ in pairs).items() if times > 1)
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook)
    return repeated


def _is_lambda(task: dict[str, Any]) -> bool:
    return str(task["Resource"]).startswith(("arn:aws:states:::lambda:invoke", "${"))


def _allowed_retries(task: dict[str, Any]) -> frozenset[str]:
    resource = str(task["Resource"])
    if resource.startswith("arn:aws:states:::states:"):
        return STATES_TRANSIENT
    if resource.startswith("arn:aws:states:::aws-sdk:sfn:"):
        return SFN_SDK_TRANSIENT
    return LAMBDA_TRANSIENT


# -- the rules: each answers what breaks it (empty: kept) ------------------------------------------


def timeouts(file: str, machine: dict[str, Any]) -> list[str]:
    problems = []
    for name, task in _tasks(file, machine):
        token = str(task["Resource"]).endswith(".waitForTaskToken")
        timed = "TimeoutSeconds" in task or "TimeoutSecondsPath" in task
        if not (timed or (token and ("HeartbeatSeconds" in task or "HeartbeatSecondsPath" in task))):
            problems.append(f"{file}: {name} has no timeout")
        elif "TimeoutSeconds" in task and not (
            isinstance(task["TimeoutSeconds"], int) and task["TimeoutSeconds"] > 0
        ):
            problems.append(f"{file}: {name} has TimeoutSeconds {task['TimeoutSeconds']!r}")
    return problems


def retries(file: str, machine: dict[str, Any]) -> list[str]:
    problems = []
    for name, task in _tasks(file, machine):
        retried = {error for retry in task.get("Retry", []) for error in retry["ErrorEquals"]}
        if "States.ALL" in retried:
            problems.append(f"{file}: {name} retries States.ALL")
        if not retried <= _allowed_retries(task):
            problems.append(
                f"{file}: {name} retries {sorted(retried - _allowed_retries(task))}, not transient"
            )
        if _is_lambda(task) and not retried >= LAMBDA_REQUIRED:
            problems.append(f"{file}: {name} does not retry {sorted(LAMBDA_REQUIRED - retried)}")
        if not retried:
            problems.append(f"{file}: {name} retries nothing")
    return problems


def catches(file: str, machine: dict[str, Any]) -> list[str]:
    problems = []
    exempt = WITHOUT_CATCH.get(file, {})
    for name, task in _tasks(file, machine):
        if name in exempt and task.get("Catch"):
            problems.append(f"{file}: {name} has a Catch now; drop it from WITHOUT_CATCH")
        elif name not in exempt and not task.get("Catch"):
            problems.append(f"{file}: {name} has no Catch (add one, or say why in WITHOUT_CATCH)")
    return problems


def transitions(file: str, machine: dict[str, Any]) -> list[str]:
    problems = []
    for where, scope in _scopes(machine, file):
        states = scope["States"]
        if scope["StartAt"] not in states:
            problems.append(f"{where}: StartAt {scope['StartAt']!r} is not a state")
        for name, state in states.items():
            problems += [
                f"{where}: {name} leads to {target!r}, which is not a state"
                for target in _targets(state)
                if target not in states
            ]
            ends = state["Type"] in {"Succeed", "Fail"} or state.get("End") is True
            if not (ends or "Next" in state or state["Type"] == "Choice"):
                problems.append(f"{where}: {name} neither ends nor goes on")
        unreachable = set(states) - _reachable(scope)
        if unreachable:
            problems.append(f"{where}: unreachable states {sorted(unreachable)}")
    return problems


def names(file: str, machine: dict[str, Any]) -> list[str]:
    """Across nested scopes (Parallel branches, Map processors) every name is used once too."""
    found = [name for _, scope in _scopes(machine, file) for name in scope["States"]]
    return [f"{file}: state name {name!r} used twice" for name, times in Counter(found).items() if times > 1]


def fail_states(file: str, machine: dict[str, Any]) -> list[str]:
    problems = []
    for where, scope in _scopes(machine, file):
        for name, state in scope["States"].items():
            if state["Type"] != "Fail":
                continue
            error = state.get("Error") or state.get("ErrorPath")
            cause = state.get("Cause") or state.get("CausePath")
            if not (error and cause):
                problems.append(f"{where}: Fail state {name} needs an Error and a Cause")
            elif "Error" in state and not re.fullmatch(r"[A-Z][A-Za-z]+", state["Error"]):
                problems.append(f"{where}: Fail state {name}'s Error {state['Error']!r} is not a name")
    return problems


RULES = {f.__name__: f for f in (timeouts, retries, catches, transitions, names, fail_states)}


def test_given_the_statemachines_folder_then_every_machine_is_checked() -> None:
    assert {p.name for p in ASL_FILES} >= {
        "checkout.json",
        "fee_calculation.json",
        "payout.json",
        "platform_canary.json",
        "seller_onboarding.json",
    }
    for file, states in WITHOUT_CATCH.items():
        tasks = {name for name, _ in _tasks(file, _load(STATEMACHINES / file))}
        assert set(states) <= tasks, f"{file}: WITHOUT_CATCH names a Task that is not there"


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_given_every_machine_then_it_keeps_each_rule(path: Path, rule: str) -> None:
    assert RULES[rule](path.name, _load(path)) == []


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_given_each_file_then_no_key_is_written_twice(path: Path) -> None:
    # within one States object a repeated key is one state name used twice (json keeps the last)
    assert _repeated_keys(path.read_text()) == []


# -- the rules catch what they are for --------------------------------------------------------------


def _broken(file: str, rule: str, change: Any) -> list[str]:
    machine = copy.deepcopy(_load(STATEMACHINES / file))
    change(machine["States"])
    return RULES[rule](file, machine)


def test_given_a_task_without_a_timeout_then_it_is_caught() -> None:
    def untimed(states: dict[str, Any]) -> None:
        del states["Check Payout"]["TimeoutSeconds"]

    assert _broken("payout.json", "timeouts", untimed) == ["payout.json: Check Payout has no timeout"]


def test_given_a_retry_of_states_all_or_of_a_business_error_then_it_is_caught() -> None:
    def retry_all(states: dict[str, Any]) -> None:
        states["Check Dependencies"]["Retry"][0]["ErrorEquals"].append("States.ALL")

    def retry_business(states: dict[str, Any]) -> None:
        states["Transfer To Seller"]["Retry"][0]["ErrorEquals"] = ["TransientError", "PayoutNotPayable"]

    assert "platform_canary.json: Check Dependencies retries States.ALL" in _broken(
        "platform_canary.json", "retries", retry_all
    )
    problems = _broken("payout.json", "retries", retry_business)
    assert "payout.json: Transfer To Seller retries ['PayoutNotPayable'], not transient" in problems
    assert any("does not retry ['Lambda.AWSLambdaException'" in p for p in problems), problems


def test_given_a_task_whose_catch_is_dropped_then_it_is_caught() -> None:
    def uncaught(states: dict[str, Any]) -> None:
        del states["Activate Seller"]["Catch"]

    def caught(states: dict[str, Any]) -> None:
        states["Mark Onboarding Failed"]["Catch"] = [
            {"ErrorEquals": ["States.ALL"], "Next": "Onboarding Failed"}
        ]

    assert _broken("seller_onboarding.json", "catches", uncaught) == [
        "seller_onboarding.json: Activate Seller has no Catch (add one, or say why in WITHOUT_CATCH)"
    ]
    assert _broken("seller_onboarding.json", "catches", caught) == [
        "seller_onboarding.json: Mark Onboarding Failed has a Catch now; drop it from WITHOUT_CATCH"
    ]


def test_given_a_next_that_is_not_there_or_a_state_nobody_reaches_then_it_is_caught() -> None:
    def misroute(states: dict[str, Any]) -> None:
        states["Hold Payout"]["Next"] = "Apply Hold"

    problems = _broken("payout.json", "transitions", misroute)
    assert "payout.json: Hold Payout leads to 'Apply Hold', which is not a state" in problems

    def orphan(states: dict[str, Any]) -> None:
        states["Forgotten"] = {"Type": "Succeed"}

    assert _broken("platform_canary.json", "transitions", orphan) == [
        "platform_canary.json: unreachable states ['Forgotten']"
    ]


def test_given_a_name_twice_or_a_fail_state_without_its_cause_then_it_is_caught() -> None:
    assert _repeated_keys('{"States": {"A": {"Type": "Succeed"}, "A": {"Type": "Succeed"}}}') == ["A"]

    def silent(states: dict[str, Any]) -> None:
        del states["Payout Failed"]["Cause"]

    assert _broken("payout.json", "fail_states", silent) == [
        "payout.json: Fail state Payout Failed needs an Error and a Cause"
    ]
    nested = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}],
                "End": True,
            }
        },
    }
    assert names("nested.json", nested) == ["nested.json: state name 'P' used twice"]
