"""What a state costs in the local cloud: ``python -m local.cloud.measure``.

Runs a chain of Pass states and a chain of Lambda Task states (both forms: the plain function
ARN and ``lambda:invoke``) and divides the wall time by the number of states.
"""

from __future__ import annotations

import time
from typing import Any

from local.cloud.aws import LocalAws
from local.cloud.clock import VirtualClock


def _chain(count: int, state: dict[str, Any]) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i in range(count):
        body = dict(state)
        if i + 1 < count:
            body["Next"] = f"S{i + 1}"
        else:
            body["End"] = True
        states[f"S{i}"] = body
    return {"StartAt": "S0", "States": states}


def _echo(event: Any, context: Any) -> Any:
    return event


def _per_state_ms(aws: LocalAws, arn: str, count: int, runs: int) -> float:
    aws.run_execution(arn, None, {"n": 1})  # warm-up: parse caches, cold start, connections
    started = time.perf_counter()
    for _ in range(runs):
        result = aws.run_execution(arn, None, {"n": 1})
        if result["status"] != "SUCCEEDED":
            raise RuntimeError(f"measurement execution failed: {result}")
    return (time.perf_counter() - started) * 1000 / (runs * count)


def measure_step_cost(states: int = 40, runs: int = 5, aws: LocalAws | None = None) -> dict[str, float]:
    """Milliseconds per Pass transition and per Lambda step (plain ARN and lambda:invoke)."""
    own = aws is None
    local = aws or LocalAws(clock=VirtualClock())
    if own:
        local.start()
    try:
        suffix = str(int(time.time() * 1000))
        fn = local.create_function(f"measure-echo-{suffix}", _echo)
        machines = {
            "pass_transition_ms": _chain(states, {"Type": "Pass"}),
            "lambda_step_ms": _chain(states, {"Type": "Task", "Resource": fn}),
            "lambda_invoke_step_ms": _chain(
                states,
                {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": fn, "Payload.$": "$"},
                    "OutputPath": "$.Payload",
                },
            ),
        }
        return {
            key: round(
                _per_state_ms(
                    local, local.create_state_machine(f"measure-{key[:6]}-{suffix}", asl), states, runs
                ),
                3,
            )
            for key, asl in machines.items()
        }
    finally:
        if own:
            local.stop()


if __name__ == "__main__":
    for name, value in measure_step_cost().items():
        print(f"{name:>24}: {value:.2f} ms")
