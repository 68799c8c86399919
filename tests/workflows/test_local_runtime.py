"""The local Step Functions runtime executes real ASL: Lambda steps, retries, catches, waits,
Parallel, Map, task tokens, JSONata and nested executions, on a virtual clock.

The state machines are in tests/workflows/statemachines/runtime_*.json, with ``${...}``
placeholders substituted here the way the deploy substitutes them.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from local.cloud.aws import LocalAws
from local.cloud.clock import VirtualClock
from tests.workflows import runtime_handlers

if TYPE_CHECKING:
    from collections.abc import Iterator

MACHINES = Path(__file__).parent / "statemachines"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def substitute(text: str, values: dict[str, str]) -> str:
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(values))
    assert not missing, f"no substitution for {missing}"
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


class Runtime:
    """The local cloud plus this module's functions and state machines."""

    def __init__(self, aws: LocalAws, suffix: str) -> None:
        self.aws = aws
        self.suffix = suffix
        self.arns: dict[str, str] = {}

    @property
    def clock(self) -> VirtualClock:
        assert isinstance(self.aws.clock, VirtualClock)
        return self.aws.clock

    def function(self, key: str, handler: str, **kwargs: Any) -> str:
        arn = self.aws.create_function(
            f"rt-{key}-{self.suffix}", f"tests.workflows.runtime_handlers.{handler}", **kwargs
        )
        self.arns[f"{key}FunctionArn"] = arn
        return arn

    def machine(self, key: str, file: str, *, type: str = "STANDARD") -> str:
        definition = substitute((MACHINES / file).read_text(), self.arns)
        arn = self.aws.create_state_machine(f"rt-{key}-{self.suffix}", definition, type=type)
        self.arns[f"{key}StateMachineArn"] = arn
        return arn

    def waits_since(self, mark: int, prefix: str) -> list[float]:
        return [s for what, s in self.clock.waits[mark:] if what.startswith(prefix)]

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.aws.client("stepfunctions")
        return list(sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"])


@pytest.fixture(scope="module")
def runtime() -> Iterator[Runtime]:
    """The session's local cloud if one is running (moto is process-wide), else our own."""
    active = LocalAws.active()
    if active is not None and not isinstance(active.clock, VirtualClock):
        pytest.skip("the running local cloud has a real-time clock; these tests need a VirtualClock")
    aws = active or LocalAws(clock=VirtualClock())
    if active is None:
        aws.start()
    try:
        rt = Runtime(aws, uuid.uuid4().hex[:8])
        rt.function("Validate", "validate")
        rt.function("Flaky", "flaky")
        rt.function("Reserve", "reserve")
        rt.function("Release", "release")
        rt.function("Price", "price")
        rt.function("Shipping", "shipping")
        rt.function("LineTotal", "line_total")
        rt.function("Fee", "fee")
        rt.function("StoreToken", "store_token")
        rt.function(
            "Resume", "resume_from_event", environment={"RUNTIME_TEST_AWS_ENDPOINT": aws.endpoint_url}
        )
        rt.machine("Order", "runtime_order.json")
        rt.machine("PaymentWait", "runtime_payment_wait.json")
        rt.machine("Jsonata", "runtime_jsonata.json")
        rt.machine("Fees", "runtime_fees_express.json", type="EXPRESS")
        rt.machine("Parent", "runtime_parent.json")
        yield rt
    finally:
        if active is None:
            aws.stop()


@pytest.fixture(autouse=True)
def _clean_handlers() -> Iterator[None]:
    runtime_handlers.reset()
    yield
    runtime_handlers.reset()


ORDER = {"quantity": 2, "lines": [{"price_minor": 250, "quantity": 2}, {"price_minor": 100, "quantity": 3}]}


def test_given_an_order_when_the_workflow_runs_then_every_step_runs_and_time_is_virtual(
    runtime: Runtime,
) -> None:
    # Given an order and a workflow with a flaky step, a one-hour Wait, Parallel and Map
    mark = len(runtime.clock.waits)
    started = time.perf_counter()

    # When it runs
    result = runtime.aws.run_execution(
        runtime.arns["OrderStateMachineArn"], "order-1", {"order_id": "o-1", **ORDER}
    )

    # Then it succeeds at once, with every step's result in place
    assert result["status"] == "SUCCEEDED", result
    assert time.perf_counter() - started < 5
    output = json.loads(result["output"])
    assert output["validation"]["valid"] is True
    assert 0 < output["validation"]["remaining_ms"] <= 10_000
    assert output["charge"] == {"attempts": 3}
    assert output["quote"] == [{"price_minor": 2000}, {"shipping_minor": 450}]
    assert output["line_totals"] == [500, 300]
    # and the flaky step ran three times, backing off 2 s then 5 s (6 s capped by MaxDelaySeconds)
    assert runtime_handlers.ATTEMPTS["o-1"] == 3
    assert runtime.waits_since(mark, "Retry") == [2.0, 5.0]
    # and the hour-long Wait completed instantly but was recorded
    assert runtime.waits_since(mark, "Wait:Wait For Delivery Window") == [3600.0]


def test_given_a_flaky_step_when_it_fails_then_the_error_name_is_the_exception_class(
    runtime: Runtime,
) -> None:
    # Given the order workflow
    # When it runs (the flaky handler raises FlakyError twice)
    result = runtime.aws.run_execution(
        runtime.arns["OrderStateMachineArn"], "order-2", {"order_id": "o-2", **ORDER}
    )

    # Then the history shows two failures named after the Python exception class
    assert result["status"] == "SUCCEEDED"
    failures = [e for e in runtime.history(result["executionArn"]) if e["type"] == "TaskFailed"]
    assert [f["taskFailedEventDetails"]["error"] for f in failures] == ["FlakyError", "FlakyError"]
    cause = json.loads(failures[0]["taskFailedEventDetails"]["cause"])
    assert cause["errorMessage"] == "provider unavailable (attempt 1)"
    assert cause["stackTrace"]


def test_given_a_sold_item_when_reserving_then_the_domain_error_is_caught_and_compensated(
    runtime: Runtime,
) -> None:
    # Given an order whose item is already sold
    order = {"order_id": "o-3", "sold_out": True, **ORDER}

    # When the workflow runs
    result = runtime.aws.run_execution(runtime.arns["OrderStateMachineArn"], "order-3", order)

    # Then the DomainError is caught (not retried), the reservation released, the order rejected
    assert result["status"] == "FAILED"
    assert result["error"] == "OrderRejected"
    assert ("release", "o-3") in runtime_handlers.CALLS
    history = runtime.history(result["executionArn"])
    errors = [e["taskFailedEventDetails"]["error"] for e in history if e["type"] == "TaskFailed"]
    assert errors == [
        "FlakyError",
        "FlakyError",
        "ReservationRejected",
    ]  # the domain error: once, not retried
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")]
    assert "Release Reservation" in entered
    assert "Wait For Delivery Window" not in entered


def test_given_a_waiting_payment_when_the_event_arrives_on_the_bus_then_the_workflow_resumes(
    runtime: Runtime,
) -> None:
    # Given a custom bus whose rule targets the resume function
    events = runtime.aws.client("events")
    bus = f"payments-{runtime.suffix}"
    events.create_event_bus(Name=bus)
    events.put_rule(
        Name=f"payment-events-{runtime.suffix}",
        EventBusName=bus,
        EventPattern=json.dumps({"detail-type": [{"prefix": "payment_intent."}]}),
    )
    events.put_targets(
        Rule=f"payment-events-{runtime.suffix}",
        EventBusName=bus,
        Targets=[{"Id": "resume", "Arn": runtime.arns["ResumeFunctionArn"]}],
    )
    # and an execution waiting for its payment with a task token
    arn = runtime.aws.start_execution(
        runtime.arns["PaymentWaitStateMachineArn"], "pay-1", {"order_id": "o-4"}
    )
    _wait_until(lambda: "o-4" in runtime_handlers.TOKENS)
    assert runtime.aws.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"

    # When the payment event is put on the bus
    events.put_events(
        Entries=[
            {
                "EventBusName": bus,
                "Source": "local.payments",
                "DetailType": "payment_intent.succeeded",
                "Detail": json.dumps({"order_id": "o-4", "status": "succeeded"}),
            }
        ]
    )

    # Then the rule's Lambda sent the token back and the workflow finished with the event's output
    result = runtime.aws.wait_for_execution(arn, timeout=10)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["payment"]["paid"] is True
    assert ("resume", "o-4") in runtime_handlers.CALLS


def test_given_a_waiting_payment_when_the_payment_fails_then_the_named_error_is_caught(
    runtime: Runtime,
) -> None:
    # Given an execution waiting for its payment
    arn = runtime.aws.start_execution(
        runtime.arns["PaymentWaitStateMachineArn"], "pay-2", {"order_id": "o-5"}
    )
    _wait_until(lambda: "o-5" in runtime_handlers.TOKENS)

    # When SendTaskFailure arrives from another thread with an error name and a cause
    sfn = runtime.aws.client("stepfunctions")
    sfn.send_task_failure(
        taskToken=runtime_handlers.TOKENS["o-5"], error="PaymentFailed", cause="card_declined"
    )

    # Then the Catch on PaymentFailed leads to the failure state, with the cause kept
    result = runtime.aws.wait_for_execution(arn, timeout=10)
    assert result["status"] == "FAILED"
    assert result["error"] == "PaymentFailed"
    history = runtime.history(arn)
    failed = next(e for e in history if e["type"] == "TaskFailed")
    assert failed["taskFailedEventDetails"]["cause"] == "card_declined"


def test_given_a_waiting_payment_when_the_clock_passes_the_timeout_then_it_times_out(
    runtime: Runtime,
) -> None:
    # Given an execution waiting for a payment that never comes (TimeoutSeconds 1800)
    arn = runtime.aws.start_execution(
        runtime.arns["PaymentWaitStateMachineArn"], "pay-3", {"order_id": "o-6"}
    )
    _wait_until(lambda: "o-6" in runtime_handlers.TOKENS)
    sfn = runtime.aws.client("stepfunctions")
    time.sleep(0.05)
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"

    # When the virtual clock moves 30 minutes ahead
    started = time.perf_counter()
    runtime.clock.advance(1800)

    # Then the task times out promptly with States.Timeout
    result = runtime.aws.wait_for_execution(arn, timeout=5)
    assert time.perf_counter() - started < 2
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Timeout"


def test_given_a_waiting_execution_when_stopped_then_it_is_aborted_with_error_and_cause(
    runtime: Runtime,
) -> None:
    # Given an execution waiting for its payment
    arn = runtime.aws.start_execution(
        runtime.arns["PaymentWaitStateMachineArn"], "pay-4", {"order_id": "o-7"}
    )
    _wait_until(lambda: "o-7" in runtime_handlers.TOKENS)

    # When it is stopped with an error and a cause
    sfn = runtime.aws.client("stepfunctions")
    sfn.stop_execution(executionArn=arn, error="Cancelled", cause="buyer cancelled")

    # Then it is ABORTED at once and keeps both
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "ABORTED"
    assert (described["error"], described["cause"]) == ("Cancelled", "buyer cancelled")


def test_given_a_jsonata_machine_when_it_runs_then_arguments_output_assign_and_conditions_work(
    runtime: Runtime,
) -> None:
    # Given an order in JSONata terms
    order = {
        "order_id": "o-8",
        "currency": "eur",
        "lines": [{"price_minor": 2500, "quantity": 2}, {"price_minor": 100, "quantity": 1}],
    }

    # When the JSONata state machine runs
    result = runtime.aws.run_execution(runtime.arns["JsonataStateMachineArn"], "jsonata-1", order)

    # Then Items/Arguments/Output/Assign/Condition were evaluated
    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert output["order_id"] == "o-8"
    assert output["currency"] == "EUR"
    assert output["total_minor"] == 5100
    assert output["fee_minor"] == 408
    assert output["execution"] == "jsonata-1"
    assert output["note"] == 'said "hi" to o-8'
    # and $uuid()/$hash() have real implementations
    assert uuid.UUID(output["request_id"])
    assert output["fingerprint"] == _sha256("o-8")


def test_given_a_small_jsonata_order_when_it_runs_then_the_default_branch_is_taken(runtime: Runtime) -> None:
    # Given a small order
    order = {"order_id": "o-9", "currency": "usd", "lines": [{"price_minor": 100, "quantity": 1}]}

    # When the JSONata state machine runs
    result = runtime.aws.run_execution(runtime.arns["JsonataStateMachineArn"], "jsonata-2", order)

    # Then the Choice's Condition sent it to the default state
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"order_id": "o-9", "small": True}


def test_given_a_parent_when_it_starts_an_express_child_synchronously_then_it_gets_its_output(
    runtime: Runtime,
) -> None:
    # Given a parent workflow that starts the EXPRESS fee machine (.sync:2, .sync, fire-and-forget)
    # When it runs
    result = runtime.aws.run_execution(
        runtime.arns["ParentStateMachineArn"], "parent-1", {"total_minor": 10_000}
    )

    # Then .sync:2 gave the child's Output as JSON and .sync as a string, as on AWS
    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert output["fees"] == {"fee_minor": 800, "status": "SUCCEEDED"}
    assert json.loads(output["fees_as_text"]["output"]) == {"fee_minor": 800, "total_minor": 10_000}
    assert output["fees_as_text"]["status"] == "SUCCEEDED"
    # and the fire-and-forget start returned the child's ARN, and that child ran too
    audit_arn = output["audit"]["ExecutionArn"]
    assert isinstance(output["audit"]["StartDate"], int)
    assert runtime.aws.wait_for_execution(audit_arn, timeout=5)["status"] == "SUCCEEDED"


def test_given_an_express_machine_when_started_synchronously_then_the_result_comes_back(
    runtime: Runtime,
) -> None:
    # Given the EXPRESS fee machine
    sfn = runtime.aws.client("stepfunctions")

    # When StartSyncExecution is called
    response = sfn.start_sync_execution(
        stateMachineArn=runtime.arns["FeesStateMachineArn"],
        name="fees-1",
        input=json.dumps({"total_minor": 2000}),
    )

    # Then the execution ran in the call and its output is returned, as AWS does
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"fee_minor": 160, "total_minor": 2000}
    assert ":express:" in response["executionArn"]
    # and the console can still describe and list it
    described = sfn.describe_execution(executionArn=response["executionArn"])
    assert described["status"] == "SUCCEEDED"
    listed = sfn.list_executions(stateMachineArn=runtime.arns["FeesStateMachineArn"])["executions"]
    assert response["executionArn"] in [e["executionArn"] for e in listed]


def test_given_an_express_machine_when_it_fails_then_start_sync_reports_error_and_cause(
    runtime: Runtime,
) -> None:
    # Given the EXPRESS fee machine and a negative total
    sfn = runtime.aws.client("stepfunctions")

    # When StartSyncExecution is called
    response = sfn.start_sync_execution(
        stateMachineArn=runtime.arns["FeesStateMachineArn"], input=json.dumps({"total_minor": -5})
    )

    # Then it reports FAILED with the Fail state's error and cause
    assert response["status"] == "FAILED"
    assert (response["error"], response["cause"]) == ("NegativeTotal", "a total cannot be negative")
    assert "output" not in response


def test_given_a_standard_machine_when_started_synchronously_then_it_is_refused(runtime: Runtime) -> None:
    # Given a STANDARD machine
    sfn = runtime.aws.client("stepfunctions")

    # When StartSyncExecution is called on it
    with pytest.raises(sfn.exceptions.ClientError) as raised:
        sfn.start_sync_execution(stateMachineArn=runtime.arns["OrderStateMachineArn"], input="{}")

    # Then it is refused as AWS refuses it
    assert raised.value.response["Error"]["Code"] == "StateMachineTypeNotSupported"


def test_given_a_pass_state_with_a_string_result_when_described_then_the_output_is_json(
    runtime: Runtime,
) -> None:
    # Given a machine whose output is a bare string
    arn = runtime.aws.create_state_machine(
        f"rt-string-{runtime.suffix}",
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "hello", "End": True}}},
    )

    # When it runs without a name
    execution_arn = runtime.aws.client("stepfunctions").start_execution(stateMachineArn=arn)["executionArn"]
    result = runtime.aws.wait_for_execution(execution_arn)

    # Then the output is JSON-encoded and a name was generated
    assert result["output"] == '"hello"'
    assert uuid.UUID(result["name"])


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.002)
    # let the task reach its wait
    threading.Event().wait(0.01)


# ---- one clock, asynchronous invocations ---------------------------------------------------


def _now_handler(event: Any, context: Any) -> dict[str, Any]:
    """A handler that tells time the way every handler does: the SystemClock port."""
    from workflows.shared.clock import SystemClock

    now = SystemClock().now()
    until = now + timedelta(seconds=int(event.get("wait_s", 0)))
    return {"now": now.timestamp(), "until": until.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _invoke(runtime: Runtime, name: str, event: Any) -> dict[str, Any]:
    response = runtime.aws.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    result: dict[str, Any] = json.loads(response["Payload"].read())
    return result


def test_given_the_clock_advances_then_a_handlers_now_moves_with_it(runtime: Runtime) -> None:
    # Given a handler that reads the clock port
    name = f"rt-now-{runtime.suffix}"
    runtime.aws.create_function(name, _now_handler)
    before = _invoke(runtime, name, {})["now"]
    assert abs(before - runtime.clock.now()) < 1.0

    # When the local cloud's clock moves thirty days
    runtime.clock.advance(30 * 86_400)

    # Then the handler's now has moved thirty days too: it is the interpreter's clock
    after = _invoke(runtime, name, {})["now"]
    assert after - before == pytest.approx(30 * 86_400, abs=5.0)
    assert abs(after - runtime.clock.now()) < 1.0


def test_given_a_handler_computes_a_deadline_then_the_interpreter_waits_for_it_on_the_same_clock(
    runtime: Runtime,
) -> None:
    # Given a clock far from the system's time, and a machine that waits until the deadline a
    # handler computed (``now`` + 90 s, read through the clock port)
    runtime.clock.advance(2 * 86_400)
    function = runtime.aws.create_function(f"rt-deadline-{runtime.suffix}", _now_handler)
    arn = runtime.aws.create_state_machine(
        f"rt-deadline-{runtime.suffix}",
        {
            "StartAt": "Deadline",
            "States": {
                "Deadline": {
                    "Type": "Task",
                    "Resource": function,
                    "Parameters": {"wait_s": 90},
                    "TimeoutSeconds": 10,
                    "Next": "Until Deadline",
                },
                "Until Deadline": {"Type": "Wait", "TimestampPath": "$.until", "End": True},
            },
        },
    )
    mark = len(runtime.clock.waits)

    # When it runs
    result = runtime.aws.run_execution(arn, f"deadline-{runtime.suffix}", {})

    # Then the Wait lasts the 90 s the handler meant (with two clocks it would be two days off)
    assert result["status"] == "SUCCEEDED", result
    (waited,) = runtime.waits_since(mark, "Wait:Until Deadline")
    assert waited == pytest.approx(90, abs=2)


def test_given_an_event_invocation_then_it_returns_before_the_handler_has_run(runtime: Runtime) -> None:
    # Given a handler that takes its time
    release = threading.Event()
    ran: list[Any] = []

    def slow(event: Any, context: Any) -> None:
        release.wait(5)
        ran.append(event)

    name = f"rt-slow-{runtime.suffix}"
    runtime.aws.create_function(name, slow)

    # When it is invoked asynchronously
    started = time.perf_counter()
    response = runtime.aws.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": 1})
    )

    # Then Lambda answers 202 at once, and the handler runs afterwards, on a worker
    assert response["StatusCode"] == 202
    assert time.perf_counter() - started < 2.0
    assert ran == []
    release.set()
    runtime.aws.deliveries.settle()
    assert ran == [{"n": 1}]


def test_given_a_failing_event_invocation_without_a_destination_then_it_is_retried_then_dropped(
    runtime: Runtime,
) -> None:
    # Given a function that always fails, with Lambda's default asynchronous settings
    calls: list[float] = []

    def failing(event: Any, context: Any) -> None:
        calls.append(runtime.clock.now())
        raise RuntimeError("boom")

    name = f"rt-failing-{runtime.suffix}"
    runtime.aws.create_function(name, failing)
    deliveries = runtime.aws.deliveries
    dropped_before = deliveries.stats.dropped

    # When it is invoked asynchronously
    runtime.aws.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=b'{"k": 1}')
    deliveries.settle()

    # Then it is retried after one minute, then after two more (on the clock, not in real time)
    assert len(calls) == 1
    runtime.clock.advance(59)
    deliveries.settle()
    assert len(calls) == 1
    runtime.clock.advance(1)
    deliveries.settle()
    assert len(calls) == 2
    runtime.clock.advance(120)
    deliveries.settle()
    assert len(calls) == 3
    assert [round(later - earlier) for earlier, later in itertools.pairwise(calls)] == [60, 120]

    # And with no on-failure destination it is dropped, logged and counted
    runtime.clock.advance(3600)
    deliveries.settle()
    assert len(calls) == 3
    assert deliveries.stats.dropped == dropped_before + 1
    assert deliveries.dropped[-1].function == name and "RetriesExhausted" in deliveries.dropped[-1].reason
