"""The payouts' errors (the class name is the error name a state machine matches)."""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, DomainError, NotFound


class PayoutNotFound(NotFound):
    code = "PAYOUT_NOT_FOUND"


class OrderNotPaid(DomainError):
    """The order of an OrderPaid event is not (or no longer) paid with these amounts."""

    code = "ORDER_NOT_PAID"


class PayoutNotPayable(Conflict):
    """A transfer was asked for a payout whose holds have not cleared (or that was stopped)."""

    code = "PAYOUT_NOT_PAYABLE"


class DuplicateTransfer(Conflict):
    """A second Stripe transfer for one order: never recorded as a payout, left to reconciliation."""

    code = "DUPLICATE_TRANSFER"


class InvalidReportRange(ContractError):
    code = "INVALID_REPORT_RANGE"


class InvalidReconciliationWindow(ContractError):
    code = "INVALID_RECONCILIATION_WINDOW"
