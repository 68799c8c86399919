"""The real checkout, checkout_preparation and fee_calculation ASL files on the local cloud,
with fake steps.

Every Lambda the machines name is a fake registered under a name of this module's own: it
parses its event with the state's input model from the workflow's ``CONTRACT`` (so a Payload
that drifts from the contract fails here as well as in the unit test that reads the ASL), then
does what the test scripted for that execution (return an output, validated by the state's
output model, or raise an error of a given name), and records the call. The definitions are the
files in ``statemachines/`` with their ``${...}`` placeholders substituted as the deploy does.

A script is keyed by the checkout id (the checkout execution's name; the preparation is told it
as ``checkout_id``, the fee execution as ``held_by``) and by function; a function's script is a
list of behaviours used one per call, the last one repeated, because Mark Paid and Mark Late
Payment share a function.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.cloud.aws import LocalAws
from local.cloud.clock import VirtualClock
from workflows.checkout.contracts import CONTRACT as CHECKOUT
from workflows.checkout.contracts import PREPARATION
from workflows.fees.contracts import CONTRACT as FEES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pydantic import BaseModel

    from workflows.shared.contracts import MachineContract

STATEMACHINES = Path(__file__).resolve().parents[2] / "statemachines"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")

#: placeholder → (the contract, the state whose models the fake checks) of each Lambda
FUNCTIONS: dict[str, tuple[MachineContract, str]] = {
    "ValidateCartFunctionArn": (PREPARATION, "Validate Cart"),
    "ReserveItemsFunctionArn": (PREPARATION, "Reserve Items"),
    "CreateOrdersFunctionArn": (PREPARATION, "Create Orders"),
    "RequestPaymentFunctionArn": (PREPARATION, "Request Payment"),
    "WaitForEventFunctionArn": (CHECKOUT, "Wait For Payment"),
    "MarkPaidFunctionArn": (CHECKOUT, "Mark Paid"),
    "CompleteSaleFunctionArn": (CHECKOUT, "Complete Sale"),
    "AbandonCheckoutFunctionArn": (CHECKOUT, "Abandon Checkout"),
    "RefundCheckoutFunctionArn": (CHECKOUT, "Refund Checkout"),
    "LoadOrderLinesFunctionArn": (FEES, "Load Order Lines"),
    "CalculateFeesFunctionArn": (FEES, "Calculate Fees"),
}

#: a behaviour: the validated step input → the step's output (a dict, or a model), or it raises
Behaviour = Callable[[Any], Any]


def fails_with(name: str, message: str = "it failed", *, base: type[Exception] = Exception) -> Behaviour:
    """A behaviour raising an exception whose class name (the error name) is ``name``."""

    def behave(step: Any) -> Any:
        raise type(name, (base,), {})(message)

    return behave


def raises(error: Exception) -> Behaviour:
    def behave(step: Any) -> Any:
        raise error

    return behave


@dataclass
class Call:
    function: str
    event: dict[str, Any]


@dataclass
class Scripts:
    """What each fake does, per checkout id and function, and what it was called with."""

    defaults: dict[str, Behaviour] = field(default_factory=dict)
    scripted: dict[tuple[str, str], list[Behaviour]] = field(default_factory=dict)
    calls: dict[str, list[Call]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, checkout_id: str, function: str, *behaviours: Behaviour) -> None:
        self.scripted[(checkout_id, function)] = list(behaviours)

    def behaviour(self, checkout_id: str, function: str) -> Behaviour:
        with self.lock:
            queue = self.scripted.get((checkout_id, function))
            if not queue:
                return self.defaults[function]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def record(self, checkout_id: str, function: str, event: dict[str, Any]) -> None:
        with self.lock:
            self.calls.setdefault(checkout_id, []).append(Call(function, event))

    def called(self, checkout_id: str, function: str) -> list[dict[str, Any]]:
        return [c.event for c in self.calls.get(checkout_id, []) if c.function == function]


def _checkout_of(event: dict[str, Any]) -> str:
    """Which checkout a step's event is about (the fee steps are told it as ``held_by``)."""
    if "checkout_id" in event:
        return str(event["checkout_id"])
    if event.get("held_by"):
        return str(event["held_by"])
    if "correlation_id" in event:  # payment_intent:pi_<checkout id>
        return str(event["correlation_id"]).split(":", 1)[1].removeprefix("pi_")
    return str(event.get("execution", ""))


def _fake(scripts: Scripts, placeholder: str) -> Callable[[Any, Any], Any]:
    contract, state = FUNCTIONS[placeholder]
    models = contract.states[state]

    def handler(event: dict[str, Any], context: Any) -> Any:
        checkout_id = _checkout_of(event)
        scripts.record(checkout_id, placeholder, event)
        step = models.input.model_validate(event)
        result = scripts.behaviour(checkout_id, placeholder)(step)
        output: type[BaseModel] | None = models.output
        if output is None or result is None:
            return result
        return output.model_validate(result).model_dump(mode="json")

    return handler


@dataclass
class Machines:
    """The three machines created from their real files, and their fake steps."""

    aws: LocalAws
    scripts: Scripts
    checkout_arn: str
    preparation_arn: str
    fees_arn: str

    @property
    def clock(self) -> VirtualClock:
        assert isinstance(self.aws.clock, VirtualClock)
        return self.aws.clock

    def start(self, checkout_id: str) -> str:
        return self.aws.start_execution(self.checkout_arn, checkout_id, {"checkout_id": checkout_id})

    def wait(self, execution_arn: str) -> dict[str, Any]:
        return self.aws.wait_for_execution(execution_arn, timeout=30)

    def states(self, execution_arn: str) -> list[str]:
        """The states the execution entered, in order (its history)."""
        events = self.aws.client("stepfunctions").get_execution_history(
            executionArn=execution_arn, maxResults=1000
        )["events"]
        return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]

    def preparation(self, checkout_id: str) -> dict[str, Any]:
        """The checkout's nested preparation execution (``<checkout id>-prepare``), described."""
        sfn = self.aws.client("stepfunctions")
        runs = sfn.list_executions(stateMachineArn=self.preparation_arn, maxResults=1000)["executions"]
        (run,) = [r for r in runs if r["name"] == f"{checkout_id}-prepare"]
        return dict(sfn.describe_execution(executionArn=run["executionArn"]))

    def prepared(self, checkout_id: str) -> list[str]:
        """The states the checkout's preparation entered, in order."""
        return self.states(self.preparation(checkout_id)["executionArn"])

    def parked(self, checkout_id: str, timeout_s: float = 10.0) -> str:
        """The task token Wait For Payment parked (real time: the steps run on threads)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            token = self.scripts.tokens.get(checkout_id)
            if token is not None:
                return token
            time.sleep(0.005)
        raise TimeoutError(f"checkout {checkout_id} never waited for its payment")

    def pay(self, checkout_id: str, event_type: str) -> None:
        """Stripe's event arrives: the waiting task is resumed with its summary."""
        token = self.parked(checkout_id)
        summary = {
            "event_id": f"evt_{uuid.uuid4().hex[:12]}",
            "event_type": event_type,
            "occurred_at": int(time.time()),
            "payment_intent_id": f"pi_{checkout_id}",
        }
        self.aws.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(summary))


def _definition(file: str, arns: dict[str, str]) -> str:
    text = (STATEMACHINES / file).read_text()
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(arns))
    assert not missing, f"no substitution for {missing}"
    return PLACEHOLDER.sub(lambda m: arns[m.group(1)], text)


def machines(scripts: Scripts) -> Iterator[Machines]:
    """The session's local cloud if one runs in this process (moto is process-wide), else our
    own on a virtual clock; the functions and machines are this module's, by unique names."""
    active = LocalAws.active()
    aws = active or LocalAws(clock=VirtualClock())
    if active is None:
        aws.start()
    try:
        suffix = uuid.uuid4().hex[:8]
        arns = {
            placeholder: aws.create_function(
                f"fake-{placeholder.removesuffix('FunctionArn')}-{suffix}", _fake(scripts, placeholder)
            )
            for placeholder in FUNCTIONS
        }
        fees_arn = aws.create_state_machine(
            f"fake-fee-calculation-{suffix}", _definition(FEES.asl, arns), type="EXPRESS"
        )
        arns["FeeCalculationStateMachineArn"] = fees_arn
        preparation_arn = aws.create_state_machine(
            f"fake-checkout-preparation-{suffix}", _definition(PREPARATION.asl, arns), type="EXPRESS"
        )
        arns["CheckoutPreparationStateMachineArn"] = preparation_arn
        checkout_arn = aws.create_state_machine(f"fake-checkout-{suffix}", _definition(CHECKOUT.asl, arns))
        yield Machines(aws, scripts, checkout_arn, preparation_arn, fees_arn)
    finally:
        if active is None:
            aws.stop()
