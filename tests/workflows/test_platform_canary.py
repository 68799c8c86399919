"""The platform canary: the real ASL (statemachines/platform_canary.json), the real step, fired by its
schedule rule; each way out: Healthy, Degraded, and Check Failed (the step itself failing). Then the
same ASL with its step faked (``FakeStepMachine``), each way out driven on purpose and every
document checked against the contract (``workflows.platform.contracts``)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from local.cloud.scheduler import rate_seconds
from tests.workflows.runtime_handlers import FakeStepMachine, StepFailed, in_turn, virtual_aws
from workflows.platform.contracts import CONTRACT
from workflows.shared.health import DependencyStatus, HealthReport

if TYPE_CHECKING:
    from collections.abc import Iterator

    from local.runtime import LocalCloud


def _finish(cloud: LocalCloud, arn: str) -> dict:
    assert cloud.aws is not None
    return cloud.aws.wait_for_execution(arn)


def test_given_healthy_databases_when_the_schedule_fires_then_the_canary_succeeds(cloud: LocalCloud) -> None:
    assert cloud.scheduler is not None
    (execution_arn,) = cloud.scheduler.fire("platform-canary")
    result = _finish(cloud, execution_arn)
    assert result["status"] == "SUCCEEDED", result
    report = json.loads(result["output"])["health"]["report"]
    assert report["status"] == "ok"
    assert set(report["dependencies"]) == {"postgres", "mongodb"}
    # the input is EventBridge's scheduled event
    assert json.loads(result["input"])["detail-type"] == "Scheduled Event"


def test_given_a_database_that_does_not_answer_then_the_canary_fails_as_degraded(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.wiring import platform

    class Down:
        def ping(self) -> None:
            raise ConnectionRefusedError("down")

    monkeypatch.setattr(platform.wiring(), "probes", {"postgres": Down(), "mongodb": Down()})
    assert cloud.scheduler is not None
    (execution_arn,) = cloud.scheduler.fire("platform-canary")
    result = _finish(cloud, execution_arn)
    assert result["status"] == "FAILED"
    assert result["error"] == "DependenciesDegraded"


def test_given_a_check_that_itself_fails_then_the_catch_ends_the_canary_as_check_failed(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.wiring import platform

    def broken(_: object) -> dict[str, object]:
        raise RuntimeError("the probes could not be built")

    # Given the step fails with an error that is not transient (no retry)
    monkeypatch.setattr(platform.Platform, "probes", property(broken))
    assert cloud.scheduler is not None
    # When the schedule fires
    (execution_arn,) = cloud.scheduler.fire("platform-canary")
    result = _finish(cloud, execution_arn)
    # Then the Catch leads to Check Failed: the execution fails (the alarm counts it), saying why
    assert result["status"] == "FAILED", result
    assert result["error"] == "CanaryFailed"
    assert cloud.aws is not None
    history = cloud.aws.client("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert entered == ["Check Dependencies", "Check Failed"]


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(2 days)", 172_800),
        ("cron(0 3 * * ? *)", None),
    ],
)
def test_given_schedule_expressions_then_their_periods_are_understood(
    expression: str, seconds: int | None
) -> None:
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize(
    "expression", ["rate(1 minutes)", "rate(5 minute)", "every 5 minutes", "rate(0 hours)"]
)
def test_given_malformed_schedules_then_they_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        rate_seconds(expression)


# -- the ASL with its step faked ------------------------------------------------------------------

SCHEDULED = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-12-01T03:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/platform-canary"],
    "detail": {},
}
UP = DependencyStatus(status="ok", latency_ms=1.5)
DOWN = DependencyStatus(status="unavailable", latency_ms=3.0, error="ConnectionRefusedError")


@pytest.fixture(scope="module")
def canary() -> Iterator[FakeStepMachine]:
    asl = Path(__file__).resolve().parents[2] / "statemachines" / CONTRACT.asl
    for aws in virtual_aws():
        yield FakeStepMachine(aws, asl, uuid.uuid4().hex[:8])


def _run_canary(canary: FakeStepMachine, answer: Any) -> tuple[str, dict[str, Any]]:
    canary.reset({"CheckDependencies": in_turn(answer)})
    arn = canary.start(f"canary-{uuid.uuid4().hex[:8]}", SCHEDULED)
    result = canary.finish(arn)
    for document in canary.documents(arn):
        CONTRACT.data.model_validate(document)
    return arn, result


@pytest.mark.parametrize(
    ("answer", "status", "path"),
    [
        (HealthReport(status="ok", dependencies={"postgres": UP, "mongodb": UP}), "SUCCEEDED", "Healthy"),
        (
            HealthReport(status="degraded", dependencies={"postgres": UP, "mongodb": DOWN}),
            "FAILED",
            "Degraded",
        ),
        (StepFailed("the probes could not be built"), "FAILED", "Check Failed"),
    ],
    ids=["healthy", "degraded", "check failed"],
)
def test_given_each_answer_of_the_check_then_the_canary_ends_its_way(
    canary: FakeStepMachine, answer: Any, status: str, path: str
) -> None:
    arn, result = _run_canary(canary, answer)
    assert result["status"] == status, result
    entered = canary.path(arn)
    assert entered[0] == "Check Dependencies" and entered[-1] == path, entered
    # the step gets the execution's name only, never the scheduled event
    ((_, payload),) = canary.calls
    assert payload == {"execution": arn.rsplit(":", 1)[1]}
    if path == "Healthy":
        assert json.loads(result["output"])["health"]["report"] == json.loads(answer.model_dump_json())
