"""The three kinds of failure every layer speaks.

The class name of an exception IS the error name a state machine's Retry/Catch matches, so
subclasses are named for what happened (``ItemUnavailable``, ``ProviderUnavailable``) and are
never renamed lightly.
"""

from __future__ import annotations

from typing import Any


class ResaleError(Exception):
    """Base of the project's errors: a stable machine-readable ``code`` and a readable message."""

    code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}


class DomainError(ResaleError):
    """A business outcome (out of stock, card declined): caught, compensated, never retried."""

    code = "DOMAIN_ERROR"


class TransientError(ResaleError):
    """Something that may work if tried again (timeouts, throttling, a provider outage)."""

    code = "TEMPORARILY_UNAVAILABLE"


class ContractError(ResaleError):
    """Bad input from a caller: fail fast with a 4xx, never retried."""

    code = "INVALID_REQUEST"


class NotFound(ContractError):
    """The resource does not exist, or belongs to someone else (never say which)."""

    code = "NOT_FOUND"


class IdempotencyKeyReused(ContractError):
    """The same Idempotency-Key with a different body: a 422, as API.md says."""

    code = "IDEMPOTENCY_KEY_REUSED"


class Conflict(DomainError):
    """The request conflicts with the current state."""

    code = "CONFLICT"


class TooManyAttempts(ResaleError):
    """Too many tries of something guarded (a code, a login): wait before trying again (429)."""

    code = "TOO_MANY_ATTEMPTS"
