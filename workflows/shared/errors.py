"""The kinds of failure every layer speaks, and the errors several capabilities share.

The class name of an exception IS the error name a state machine's Retry/Catch matches, so
subclasses are named for what happened (``ItemUnavailable``, ``ProviderUnavailable``) and are
never renamed lightly.

One registry: every error class is defined once (in its capability's ``errors.py``, or here when
several capabilities raise it) and carries its code as a literal ``code = "..."`` class
attribute, one class per code, so that grepping a code a client reports finds the one class
that raises it. A raise site never invents a code: a new code is a new class. The HTTP status
of an error follows from its kind (``lambdas.api.resolver.STATUS_BY_KIND``);
``tests/unit/test_error_registry.py`` holds all of this.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ResaleError(Exception):
    """Base of the project's errors: a stable machine-readable ``code`` and a readable message."""

    code: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


# -- the kinds: the base of every error, each with its generic code -----------------------------


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


class Conflict(DomainError):
    """The request conflicts with the current state."""

    code = "CONFLICT"


class Unauthenticated(ResaleError):
    """No credentials, or credentials that are not (or no longer) valid (401)."""

    code = "UNAUTHORIZED"


class Forbidden(ResaleError):
    """Authenticated, but not allowed to do this (403)."""

    code = "FORBIDDEN"


class TooManyAttempts(ResaleError):
    """Too many tries of something guarded (a code, a login): wait before trying again (429)."""

    code = "TOO_MANY_REQUESTS"


class IdempotencyKeyReused(ContractError):
    """The same Idempotency-Key with a different body: a 422, as API.md says."""

    code = "IDEMPOTENCY_KEY_REUSED"


# -- errors several capabilities raise -----------------------------------------------------------


class AdminOnly(Forbidden):
    """The route is for the ``admin`` group only."""

    code = "ADMIN_ONLY"


class SellerOnly(Forbidden):
    """The route is for the ``seller`` group only (an active seller: see POST /sellers)."""

    code = "SELLER_ONLY"


class BuyerOnly(Forbidden):
    """The route is for the ``buyer`` group only."""

    code = "BUYER_ONLY"


class InvalidCursor(ContractError):
    """A ``cursor`` that is not a ``next_cursor`` this API gave out."""

    code = "INVALID_CURSOR"


class InvalidAmount(ContractError):
    """An amount of money that is not an integer of minor units within range."""

    code = "INVALID_AMOUNT"


class InvalidCurrency(ContractError):
    """A currency that is not an ISO 4217 code this platform knows."""

    code = "INVALID_CURRENCY"


class InvalidEvent(ContractError):
    """A message that is not the provider's event it claims to be (never retried)."""

    code = "INVALID_EVENT"


class CurrencyMismatch(ContractError):
    """Two amounts of different currencies combined: a sum is always in one currency."""

    code = "CURRENCY_MISMATCH"
