"""The ledger's errors (the class name is the error name a state machine matches)."""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError


class UnbalancedEntry(ContractError):
    """Postings that do not sum to zero per currency (a programming error: never retried)."""

    code = "UNBALANCED_ENTRY"


class EntryConflict(Conflict):
    """An entry id already posted with other postings: the same business key, two movements."""

    code = "LEDGER_ENTRY_CONFLICT"


class InvalidMovement(ContractError):
    """A movement the order's state does not allow (refunding more than was paid, ...)."""

    code = "INVALID_LEDGER_MOVEMENT"


class RefundMismatch(ContractError):
    """Stripe's refund and the ledger's entry of it disagree (amount, order): nothing is posted."""

    code = "REFUND_DOES_NOT_MATCH_LEDGER"
