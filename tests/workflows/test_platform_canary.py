"""The platform canary: the real ASL (statemachines/platform_canary.json), the real step, fired by its
schedule rule; each way out: Healthy, Degraded, and Check Failed (the step itself failing)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from local.cloud.scheduler import rate_seconds

if TYPE_CHECKING:
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
    from lambdas import bootstrap

    class Down:
        def ping(self) -> None:
            raise ConnectionRefusedError("down")

    monkeypatch.setattr(bootstrap, "health_probes", lambda: {"postgres": Down(), "mongodb": Down()})
    assert cloud.scheduler is not None
    (execution_arn,) = cloud.scheduler.fire("platform-canary")
    result = _finish(cloud, execution_arn)
    assert result["status"] == "FAILED"
    assert result["error"] == "DependenciesDegraded"


def test_given_a_check_that_itself_fails_then_the_catch_ends_the_canary_as_check_failed(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas import bootstrap

    def broken() -> dict[str, object]:
        raise RuntimeError("the probes could not be built")

    # Given the step fails with an error that is not transient (no retry)
    monkeypatch.setattr(bootstrap, "health_probes", broken)
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
