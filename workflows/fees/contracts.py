"""The fee_calculation machine's step contracts (statemachines/fee_calculation.json).

The execution's input is ``{items, held_by}``: the items as a client (or the checkout) sent them,
checked by Load Order Lines, so that a malformed item is a rejection the machine answers, not a
failure; ``held_by`` names the checkout holding the units, or is null for ``POST /fees/quote``.
The execution's output has one shape for both ways it ends (:class:`FeeCalculationOutput`): a
quote (``outcome`` "quoted", its seller parts, and the id it is kept under when a checkout asked)
or a rejection (``outcome`` "rejected" and the error), so that a nesting machine can select the
same keys either way.
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - pydantic reads it
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from workflows.fees.service import LineDoc, QuoteView, RejectionDoc, SellerQuoteView
from workflows.shared.caught import CaughtErrorDoc  # noqa: TC001 - pydantic reads it
from workflows.shared.contracts import MachineContract, StateContract, StepModel


class LambdaErrorDoc(StepModel):
    """A Lambda function's error document, as ``States.StringToJson`` reads it out of a Cause."""

    errorMessage: str = ""  # noqa: N815 - Lambda's own key
    errorType: str | None = None  # noqa: N815 - Lambda's own key
    requestId: str | None = None  # noqa: N815 - Lambda's own key
    stackTrace: list[str] | None = None  # noqa: N815 - Lambda's own key


class Refusal(StepModel):
    """The state "Read Rejection" writes it: the caught error's name and its document."""

    name: str
    document: LambdaErrorDoc


class PricedLines(StepModel):
    """Load Order Lines' result as the execution keeps it (``$.order``)."""

    lines: list[LineDoc]


class FeeCalculationData(StepModel):
    """The execution's document: its input and what each state writes into it."""

    #: the items as sent; Load Order Lines checks them (a malformed one is a rejection)
    items: list[Any] = Field(default_factory=list)
    held_by: str | None = None
    order: PricedLines | None = None
    rejection: CaughtErrorDoc | None = None
    refusal: Refusal | None = None


class LoadOrderLinesInput(StepModel):
    items: list[Any]
    #: the quote's moment (``$$.Execution.StartTime``): prices, deals and promotions are taken at it
    at: AwareDatetime
    execution: str
    held_by: str | None = None


class LoadOrderLinesOutput(StepModel):
    lines: list[LineDoc]


class CalculateFeesInput(StepModel):
    lines: list[LineDoc]
    at: AwareDatetime
    #: the execution's name: the id the quote is kept under when a checkout holds the units
    execution: str
    held_by: str | None = None


class FeeCalculationOutput(StepModel):
    """The execution's output, quoted or rejected (the same keys either way)."""

    outcome: Literal["quoted", "rejected"]
    #: where the quote is kept for the checkout that asked (``held_by``); None for an API quote
    quote_id: str | None = None
    error: RejectionDoc | None = None
    sellers: list[SellerQuoteView] = Field(default_factory=list)
    currency: str | None = None
    quoted_at: datetime | None = None

    @classmethod
    def quoted(cls, quote: QuoteView, quote_id: str | None) -> FeeCalculationOutput:
        return cls(
            outcome="quoted",
            quote_id=quote_id,
            sellers=quote.sellers,
            currency=quote.currency,
            quoted_at=quote.quoted_at,
        )

    def quote(self) -> QuoteView:
        """The quote the API answers (a quoted outcome only)."""
        if self.outcome != "quoted" or self.currency is None or self.quoted_at is None:
            raise ValueError("a rejected fee calculation has no quote")
        return QuoteView(sellers=self.sellers, currency=self.currency, quoted_at=self.quoted_at)


CONTRACT = MachineContract(
    asl="fee_calculation.json",
    data=FeeCalculationData,
    states={
        "Load Order Lines": StateContract(input=LoadOrderLinesInput, output=LoadOrderLinesOutput),
        "Calculate Fees": StateContract(input=CalculateFeesInput, output=FeeCalculationOutput),
    },
)
