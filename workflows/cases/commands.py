"""What the parties and the admins send about a case (request models: strict, no extras)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StrictBool, StrictInt, field_validator, model_validator

from workflows.cases.model import AdminOutcome, CaseReason, SellerAction  # noqa: TC001 - pydantic reads them
from workflows.shared.commands import Command
from workflows.shared.fields import MULTI_LINE, ONE_LINE
from workflows.shared.money import CURRENCIES, Money

Message = Annotated[str, Field(min_length=1, max_length=2000), MULTI_LINE]


class CaseCommand(Command):
    model_config = ConfigDict(str_strip_whitespace=True)


class AmountIn(CaseCommand):
    amount: StrictInt = Field(ge=1, description="Minor units (cents); an integer")
    currency: str = Field(description="ISO 4217: the order's currency")

    @field_validator("currency")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CURRENCIES:
            raise ValueError(f"unknown currency {value!r}")
        return value

    def money(self) -> Money:
        return Money(self.amount, self.currency)


class OpenCaseRequest(CaseCommand):
    reason: CaseReason
    description: Annotated[str, Field(min_length=10, max_length=5000), MULTI_LINE]
    image_ids: list[Annotated[str, Field(min_length=1, max_length=128), ONE_LINE]] = Field(
        default_factory=list, max_length=10, description="Uploaded images (photos of the item)"
    )


class RespondRequest(CaseCommand):
    action: SellerAction
    amount: AmountIn | None = Field(
        default=None, description="partial_refund only: what the seller offers back"
    )
    message: Message | None = None

    @model_validator(mode="after")
    def _amount_with_partial(self) -> RespondRequest:
        if (self.action == "partial_refund") != (self.amount is not None):
            raise ValueError("amount is given with partial_refund, and only with it")
        return self


class AnswerOfferRequest(CaseCommand):
    accept: StrictBool = Field(description="true: take the seller's partial refund; false: turn it down")


class ReturnShipmentRequest(CaseCommand):
    carrier: Annotated[str, Field(min_length=1, max_length=64), ONE_LINE]
    tracking_number: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9\- ]+$")


class NoteRequest(CaseCommand):
    message: Message | None = None


class DecisionRequest(CaseCommand):
    outcome: AdminOutcome
    amount: AmountIn | None = Field(default=None, description="refund_partial only: what the buyer gets back")
    note: Message

    @model_validator(mode="after")
    def _amount_with_partial(self) -> DecisionRequest:
        if (self.outcome == "refund_partial") != (self.amount is not None):
            raise ValueError("amount is given with refund_partial, and only with it")
        return self


class EvidenceRequest(CaseCommand):
    """What the platform tells the card network about a disputed charge (Stripe's evidence fields)."""

    uncategorized_text: Message | None = None
    product_description: Message | None = None
    shipping_carrier: Annotated[str, Field(max_length=64), ONE_LINE] | None = None
    shipping_tracking_number: Annotated[str, Field(max_length=64), ONE_LINE] | None = None
    submit: StrictBool = Field(default=True, description="Submit now (false: save for later)")

    def fields(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(exclude={"submit"}).items() if isinstance(v, str) and v}
