"""What can go wrong in accounts, each with its stable API code (the class decides the status)."""

from __future__ import annotations

from workflows.shared.errors import (
    Conflict,
    ContractError,
    Forbidden,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)


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
    """Too many wrong codes (an email confirmation's, a phone verification's): only a new code
    (a resend) unlocks the confirmation."""

    code = "TOO_MANY_ATTEMPTS"


class ResendLimitReached(TooManyAttempts):
    """Too many confirmation codes asked for in the window; ``details.retry_after_seconds`` says when
    another may be sent."""

    code = "RESEND_LIMIT_REACHED"


class TooManyCodesSent(TooManyAttempts):
    """Too many verification SMS sent to this number: wait before asking for another."""

    code = "TOO_MANY_CODES_SENT"


class AlreadyConfirmed(Conflict):
    code = "ALREADY_CONFIRMED"


class InvalidCredentials(Unauthenticated):
    """Wrong email or password: a 401."""

    code = "INVALID_CREDENTIALS"


class InvalidRefreshToken(InvalidCredentials):
    """A refresh token that is not (or no longer) valid: expired, revoked or from elsewhere (401)."""

    code = "INVALID_REFRESH_TOKEN"


class UserNotConfirmed(Forbidden):
    code = "USER_NOT_CONFIRMED"


class PasswordResetRequired(Forbidden):
    """The user pool requires a password reset before this account logs in again."""

    code = "PASSWORD_RESET_REQUIRED"


class ChallengeRequired(Forbidden):
    """Logging in needs a challenge this API does not offer; ``details.challenge`` names it."""

    code = "CHALLENGE_REQUIRED"


class ProfileNotFound(NotFound):
    """The account has no profile yet (signing up is not finished)."""

    code = "PROFILE_NOT_FOUND"


class ProfileEmailConflict(Conflict):
    """Another profile holds this email address."""

    code = "PROFILE_EMAIL_CONFLICT"


class NoPhone(Conflict):
    code = "NO_PHONE"


class InvalidPhone(ContractError):
    """The phone number cannot receive a verification SMS."""

    code = "INVALID_PHONE"


class PhoneAlreadyVerified(Conflict):
    code = "PHONE_ALREADY_VERIFIED"


class PhoneChanged(Conflict):
    """The phone number changed while it was being verified: verify the new one."""

    code = "PHONE_CHANGED"


class AddressNotFound(NotFound):
    """No such address among the caller's (a checkout's ``address_id`` included)."""

    code = "ADDRESS_NOT_FOUND"


class TooManyAddresses(Conflict):
    code = "TOO_MANY_ADDRESSES"


class PaymentMethodNotFound(NotFound):
    code = "PAYMENT_METHOD_NOT_FOUND"
