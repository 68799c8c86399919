"""What every seller_onboarding step receives (the state machine's Payload)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lambdas.observability import logger


class StepRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    onboarding_id: str = Field(min_length=1, max_length=64)
    execution: str | None = None
    #: Evaluate Account: the wait step's output (an account.updated summary)
    event: dict[str, Any] = Field(default_factory=dict)
    #: Mark Onboarding Failed: the error name the Catch caught
    error: str | None = None

    @classmethod
    def of(cls, event: dict[str, Any]) -> StepRequest:
        request = cls.model_validate(event)
        logger.append_keys(onboarding_id=request.onboarding_id, execution=request.execution)
        return request
