"""The platform_canary state machine's contract (``statemachines/platform_canary.json``).

The execution's input is EventBridge's scheduled event, as the schedule rule delivers it; Check
Dependencies gets only the execution's name and returns the readiness report
(``workflows.shared.health``), which the machine keeps whole under ``$.health.report``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from workflows.shared.contracts import CaughtError, MachineContract, StateContract, StepModel
from workflows.shared.health import HealthReport


class CanaryStep(StepModel):
    execution: str | None = None


class ScheduledEvent(StepModel):
    """EventBridge's "Scheduled Event" (the canary's execution input)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    version: str
    id: str
    detail_type: str = Field(alias="detail-type")
    source: str
    account: str
    time: str
    region: str
    resources: list[str]
    detail: dict[str, Any]


class Health(StepModel):
    report: HealthReport


class CanaryExecution(ScheduledEvent):
    health: Health | None = None
    error: CaughtError | None = None


CONTRACT = MachineContract(
    asl="platform_canary.json",
    data=CanaryExecution,
    states={"Check Dependencies": StateContract(input=CanaryStep, output=HealthReport)},
)
