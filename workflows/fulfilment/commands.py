"""What a seller sends to ship an order, and what either party sends to cancel one."""

from __future__ import annotations

from pydantic import Field, field_validator

from workflows.shared.commands import Command


class ShipRequest(Command):
    carrier: str = Field(min_length=1, max_length=64, description="The carrier, e.g. 'USPS'")
    tracking_number: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9\- ]+$")

    @field_validator("carrier", "tracking_number")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class CancelRequest(Command):
    reason: str | None = Field(default=None, max_length=500)
