"""What can go wrong in accounts, each with its stable API code (the class decides the status)."""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, NotFound, ResaleError, TooManyAttempts
from workflows.shared.errors import IdempotencyKeyReused as SharedIdempotencyKeyReused
from workflows.shared.identity import Forbidden


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"


class InvalidPassword(ContractError):
    """The user pool's password policy refused the password (the message says the policy)."""

    code = "INVALID_PASSWORD"


class CodeMismatch(ContractError):
    code = "CODE_MISMATCH"


class CodeExpired(ContractError):
    code = "CODE_EXPIRED"


class CodeLocked(TooManyAttempts):
    """Too many wrong codes: only a new code (a resend) unlocks the confirmation."""

    code = "TOO_MANY_ATTEMPTS"


class AlreadyConfirmed(Conflict):
    code = "ALREADY_CONFIRMED"


class InvalidCredentials(ResaleError):
    """Wrong email or password, or a refresh token that is not (or no longer) valid: a 401."""

    code = "INVALID_CREDENTIALS"


class UserNotConfirmed(Forbidden):
    code = "USER_NOT_CONFIRMED"


class NoPhone(Conflict):
    code = "NO_PHONE"


class AddressNotFound(NotFound):
    code = "ADDRESS_NOT_FOUND"


class TooManyAddresses(Conflict):
    code = "TOO_MANY_ADDRESSES"


class PaymentMethodNotFound(NotFound):
    code = "PAYMENT_METHOD_NOT_FOUND"


class IdempotencyKeyReused(SharedIdempotencyKeyReused):
    """The same Idempotency-Key with a different body: a 422, as API.md says."""
