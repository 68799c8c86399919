"""Handlers for the local runtime's own tests (tests/workflows/test_local_runtime.py), and the
real state machines run with fake steps (:class:`FakeStepMachine`, tests/workflows/*_machine.py).

They stand in for lambdas/steps/*: small functions taking (event, context). State that a test
inspects lives in module-level dictionaries keyed by the business id, reset by ``reset()``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config

from local.cloud.aws import LocalAws
from local.cloud.clock import VirtualClock
from workflows.shared.errors import DomainError, TransientError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ATTEMPTS: dict[str, int] = {}
TOKENS: dict[str, str] = {}
CALLS: list[tuple[str, Any]] = []


def reset() -> None:
    ATTEMPTS.clear()
    TOKENS.clear()
    CALLS.clear()


class FlakyError(TransientError):
    """Fails the first two attempts per order, then works."""


class ReservationRejected(DomainError):
    """The item is already sold: caught and compensated, never retried."""


def validate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    CALLS.append(("validate", context.function_name))
    return {
        "order_id": event["order_id"],
        "valid": True,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }


def flaky(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_id = event["order_id"]
    ATTEMPTS[order_id] = ATTEMPTS.get(order_id, 0) + 1
    if ATTEMPTS[order_id] <= 2:
        raise FlakyError(f"provider unavailable (attempt {ATTEMPTS[order_id]})")
    return {"attempts": ATTEMPTS[order_id]}


def reserve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("sold_out"):
        raise ReservationRejected(f"listing for order {event['order_id']} is already sold")
    return {"reserved": True}


def release(event: dict[str, Any], context: Any) -> dict[str, Any]:
    CALLS.append(("release", event["order_id"]))
    return {"released": True}


def price(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"price_minor": 1000 * event["quantity"]}


def shipping(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"shipping_minor": 450}


def line_total(event: dict[str, Any], context: Any) -> int:
    return int(event["price_minor"]) * int(event["quantity"])


def fee(event: dict[str, Any], context: Any) -> dict[str, Any]:
    total = int(event["total_minor"])
    return {"fee_minor": total * 8 // 100, "total_minor": total}


def store_token(event: dict[str, Any], context: Any) -> dict[str, Any]:
    TOKENS[event["order_id"]] = event["token"]
    return {"stored": True}


def resume_from_event(event: dict[str, Any], context: Any) -> None:
    """EventBridge target: a payment event resumes the workflow waiting on its token."""
    detail = event["detail"]
    client = boto3.client(
        "stepfunctions",
        endpoint_url=os.environ["RUNTIME_TEST_AWS_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(inject_host_prefix=False),
    )
    token = TOKENS[detail["order_id"]]
    if detail["status"] == "succeeded":
        client.send_task_success(taskToken=token, output=json.dumps({"paid": True, "event_id": event["id"]}))
    else:
        client.send_task_failure(taskToken=token, error="PaymentFailed", cause=detail["status"])
    CALLS.append(("resume", detail["order_id"]))


def echo(event: Any, context: Any) -> Any:
    CALLS.append(("echo", event))
    return event


# -- the real state machines with fake steps --------------------------------------------------------

#: a fake step: (the state's Payload, the Lambda context) -> what the step returns
Step = Callable[[dict[str, Any], Any], Any]


class StepFailed(Exception):
    """A fake step that fails for good (not a TransientError: never retried, always caught)."""


class FakeStepMachine:
    """A real ASL file of ``statemachines/`` in the local cloud, every ``${...FunctionArn}`` a
    function of this test: ``steps[placeholder]`` says what it does (the placeholder without its
    ``FunctionArn`` suffix, e.g. ``"CheckPayout"``), so each path can be driven on purpose and
    each step's failure injected. A fake wait step (``wait_for_event``) keeps the task token
    under its correlation id in :attr:`tokens`.
    """

    def __init__(self, aws: Any, asl: Path, suffix: str) -> None:
        self.aws = aws
        self.asl = asl
        self.steps: dict[str, Step] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.tokens: dict[str, str] = {}
        text = asl.read_text()
        arns: dict[str, str] = {}
        for placeholder in sorted(set(_PLACEHOLDER.findall(text))):
            key = placeholder.removesuffix("FunctionArn")
            assert key != placeholder, f"{asl.name}: only functions can be faked, not {placeholder}"
            arns[placeholder] = aws.create_function(f"fake-{key}-{suffix}", self._dispatch(key))
        definition = _PLACEHOLDER.sub(lambda m: arns[m.group(1)], text)
        self.arn: str = aws.create_state_machine(f"fake-{asl.stem}-{suffix}", definition)

    def reset(self, steps: dict[str, Step]) -> None:
        self.steps = dict(steps)
        self.calls.clear()
        self.tokens.clear()

    def _dispatch(self, key: str) -> Step:
        def handler(event: dict[str, Any], context: Any) -> Any:
            self.calls.append((key, event))
            step = self.steps.get(key)
            if step is None:
                raise StepFailed(f"the test gave no step for {key}")
            return step(event, context)

        return handler

    def wait_step(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The wait step: keep the token under the correlation id (resumed by the test)."""
        self.tokens[event["correlation_id"]] = event["task_token"]
        return {"outcome": "parked"}

    def token(self, correlation_id: str, *, waits: int = 1, timeout: float = 5.0) -> str:
        """The task token once the execution waits on ``correlation_id`` for the ``waits``-th time."""
        deadline = time.monotonic() + timeout
        while sum(1 for key, e in self.calls if e.get("correlation_id") == correlation_id) < waits:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nobody waited on {correlation_id} {waits} time(s)")
            time.sleep(0.005)
        time.sleep(0.05)  # the task's timeout is set once its Lambda returned
        return self.tokens[correlation_id]

    def start(self, name: str, execution_input: Any) -> str:
        return str(self.aws.start_execution(self.arn, name, execution_input))

    def finish(self, execution_arn: str, timeout: float = 10.0) -> dict[str, Any]:
        result: dict[str, Any] = self.aws.wait_for_execution(execution_arn, timeout=timeout)
        return result

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.aws.client("stepfunctions")
        return list(sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"])

    def path(self, execution_arn: str) -> list[str]:
        """The states the execution entered, in order."""
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history(execution_arn)
            if "stateEnteredEventDetails" in e
        ]

    def documents(self, execution_arn: str) -> list[Any]:
        """The execution's document as each state received it (and its output, if it ended so)."""
        found = [
            json.loads(e["stateEnteredEventDetails"]["input"])
            for e in self.history(execution_arn)
            if "stateEnteredEventDetails" in e
        ]
        described = self.aws.client("stepfunctions").describe_execution(executionArn=execution_arn)
        if described.get("output"):
            found.append(json.loads(described["output"]))
        return found


_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def in_turn(*results: Any) -> Step:
    """A fake step answering each result in turn (the last one again after that); an exception
    instance among them is raised instead, a model is dumped as JSON."""
    left = list(results)

    def step(event: dict[str, Any], context: Any) -> Any:
        result = left.pop(0) if len(left) > 1 else left[0]
        if isinstance(result, BaseException):
            raise result
        dump = getattr(result, "model_dump", None)
        return dump(mode="json") if dump is not None else result

    return step


def virtual_aws() -> Iterator[Any]:
    """The session's local cloud if one runs (moto is process-wide), else one of our own, with
    a virtual clock (for a module-scoped fixture)."""
    active = LocalAws.active()
    if active is not None and not isinstance(active.clock, VirtualClock):
        pytest.skip("the running local cloud has a real-time clock; these tests need a VirtualClock")
    aws = active or LocalAws(clock=VirtualClock())
    if active is None:
        aws.start()
    try:
        yield aws
    finally:
        if active is None:
            aws.stop()
