"""What can go wrong in a fee quote. The class name is the error name the state machine reports
and the API maps back (:data:`FEE_ERRORS`); never rename one lightly.

:data:`FEE_REJECTIONS` are the request's fault or a business refusal: statemachines/fee_calculation.json
catches exactly those names and SUCCEEDS with ``{"outcome": "rejected", ...}``, so that no alarm
counts them; the others (a schedule missing or broken) are real failures and FAIL the execution.

A quote's listing errors (not found, not available, the quantity, the currency) are the catalog's
own classes (:mod:`workflows.catalog.errors`): a quote refuses a listing as the cart does."""

from __future__ import annotations

from workflows.catalog.errors import (
    CurrencyNotSupported,
    ListingNotAvailable,
    ListingNotFound,
    QuantityNotAvailable,
)
from workflows.shared.errors import Conflict, ContractError, ResaleError, TransientError


class InvalidQuoteRequest(ContractError):
    """The items are malformed: no items, a quantity that is not a positive integer, ..."""

    code = "INVALID_QUOTE_REQUEST"


class MixedCurrencies(ContractError):
    """The listings of one quote are priced in different currencies."""

    code = "MIXED_CURRENCIES"


class FeeScheduleMissing(ResaleError):
    """No fee schedule is in effect at the quote's moment: a platform misconfiguration (500)."""

    code = "FEE_SCHEDULE_MISSING"


class InvalidFeeSchedule(ResaleError):
    """A stored fee schedule breaks the rules of :mod:`workflows.fees.schedule` (500)."""

    code = "INVALID_FEE_SCHEDULE"


#: error name (as a state machine reports it) → the class the API raises again
FEE_ERRORS: dict[str, type[ResaleError]] = {
    cls.__name__: cls
    for cls in (
        InvalidQuoteRequest,
        ListingNotFound,
        MixedCurrencies,
        CurrencyNotSupported,
        ListingNotAvailable,
        QuantityNotAvailable,
        FeeScheduleMissing,
        InvalidFeeSchedule,
    )
}

#: the error names a fee_calculation execution turns into a rejected outcome (its Catch lists them)
FEE_REJECTIONS: dict[str, type[ResaleError]] = {
    name: cls for name, cls in FEE_ERRORS.items() if issubclass(cls, (ContractError, Conflict))
}


class FeeCalculationFailed(ResaleError):
    """The execution failed for a reason that is not the caller's (500)."""

    code = "FEE_CALCULATION_FAILED"


class FeeCalculationUnavailable(TransientError):
    code = "FEE_CALCULATION_UNAVAILABLE"
