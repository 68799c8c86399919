"""Twilio Verify: phone numbers proven by an SMS code.

Implements ``workflows.accounts.ports.PhoneVerifier``. Verify's own limits become 429s:
60203 (too many sends to one number) and 60202 / ``max_attempts_reached`` (too many checks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twilio.base.exceptions import TwilioException, TwilioRestException

from workflows.accounts.errors import CodeExpired, CodeLocked, InvalidPhone, TooManyCodesSent
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Callable

    from twilio.rest import Client

TOO_MANY_SENDS = 60203
TOO_MANY_CHECKS = 60202
NOT_FOUND = 20404
INVALID_PARAMETER = (21211, 60200, 60205)
_TOO_MANY_REQUESTS = 429


class TwilioPhoneVerifier:
    """``client`` and ``service_sid`` are factories, called on first use (they may read secrets)."""

    def __init__(self, client: Callable[[], Client], service_sid: Callable[[], str]) -> None:
        self._client = client
        self._service_sid = service_sid

    def start(self, phone: str) -> None:
        try:
            self._service().verifications.create(to=phone, channel="sms")
        except TwilioRestException as exc:
            if exc.code == TOO_MANY_SENDS:
                raise TooManyCodesSent(
                    "Too many codes sent to this number; wait before asking for another."
                ) from exc
            raise _translated(exc) from exc
        except TwilioException as exc:
            raise TransientError(f"Twilio Verify: {exc}") from exc

    def check(self, phone: str, code: str) -> bool:
        try:
            result = self._service().verification_checks.create(to=phone, code=code)
        except TwilioRestException as exc:
            if exc.code == TOO_MANY_CHECKS:
                raise _too_many_checks() from exc
            if exc.code == NOT_FOUND:
                raise CodeExpired(
                    "No code is pending for this number (expired, used up or never sent); ask for a new one."
                ) from exc
            raise _translated(exc) from exc
        except TwilioException as exc:
            raise TransientError(f"Twilio Verify: {exc}") from exc
        if result.status == "max_attempts_reached":
            raise _too_many_checks()
        return bool(result.status == "approved")

    def _service(self) -> Any:  # the SDK is untyped
        return self._client().verify.v2.services(self._service_sid())


def _too_many_checks() -> CodeLocked:
    return CodeLocked("Too many wrong codes; ask for a new one.")


def _translated(exc: TwilioRestException) -> Exception:
    if exc.code in INVALID_PARAMETER:
        return InvalidPhone("This phone number cannot receive a verification SMS.")
    if exc.status == _TOO_MANY_REQUESTS or exc.status >= 500:
        return TransientError(f"Twilio Verify: {exc.msg}")
    return TransientError(f"Twilio Verify answered {exc.status} ({exc.code}): {exc.msg}")
