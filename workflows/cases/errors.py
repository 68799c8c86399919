"""The cases' and disputes' errors (the class name is the error name a state machine matches)."""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, DomainError, Forbidden, NotFound


class CaseNotFound(NotFound):
    """No such case, or one the caller is not a party to (never say which)."""

    code = "CASE_NOT_FOUND"


class CaseOrderNotEligible(Conflict):
    """The order is not one a case can be opened on (not paid, cancelled, refunded already)."""

    code = "CASE_ORDER_NOT_ELIGIBLE"


class CaseTooEarly(Conflict):
    """An item not received before its latest estimated delivery date: wait, or cancel before shipment."""

    code = "CASE_TOO_EARLY"


class CaseWindowClosed(Conflict):
    """The window to open a case (after delivery, or the estimated delivery date) has passed."""

    code = "CASE_WINDOW_CLOSED"


class CaseAlreadyOpen(Conflict):
    """The order has an open case already (one open case per order)."""

    code = "CASE_ALREADY_OPEN"


class CaseActionNotAllowed(Conflict):
    """The case's state does not allow this action now (``details.status`` says where it is)."""

    code = "CASE_ACTION_NOT_ALLOWED"


class NotTheCaseSeller(Forbidden):
    code = "CASE_ONLY_THE_SELLER"


class NotTheCaseBuyer(Forbidden):
    code = "CASE_ONLY_THE_BUYER"


class InvalidCaseAmount(ContractError):
    """A partial refund that is not between one minor unit and less than the order's total."""

    code = "CASE_INVALID_AMOUNT"


class CaseRefundRefused(DomainError):
    """Stripe refused the case's refund (the Refund Buyer step's Catch reports it to the admins)."""

    code = "CASE_REFUND_REFUSED"


class DisputeNotFound(NotFound):
    code = "DISPUTE_NOT_FOUND"


class DisputeNotOpen(Conflict):
    """Evidence can be sent only while Stripe still waits for it."""

    code = "DISPUTE_NOT_OPEN"
