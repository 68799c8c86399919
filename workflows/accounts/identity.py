"""Sign-up, email confirmation, login and refresh.

The user pool holds passwords and groups; our own confirmation code (not Cognito's) proves the
email address, because it goes out through the notification pipeline and can be checked the
same way everywhere. Only its salted hash is stored, with an expiry and a count of wrong tries.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from workflows.accounts.codes import code_hash, code_matches, new_code, new_salt
from workflows.accounts.errors import (
    AlreadyConfirmed,
    CodeExpired,
    CodeLocked,
    CodeMismatch,
    ResendLimitReached,
)
from workflows.accounts.model import ConfirmationRecord, UserRecord
from workflows.accounts.views import ConfirmResult, ResendResult, SignupResult
from workflows.notifications.model import Notification
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from workflows.accounts.commands import (
        ConfirmRequest,
        EmailRequest,
        LoginRequest,
        RefreshRequest,
        SignupRequest,
    )
    from workflows.accounts.ports import Directory, UnitOfWork
    from workflows.accounts.views import Tokens
    from workflows.notifications.model import NotificationPublisher
    from workflows.shared.clock import Clock

#: every new user is a buyer; seller and admin are granted by processes, never by the user
DEFAULT_GROUP = "buyer"
CONFIRMATION_TYPE = "account.confirmation_code"


@dataclass(frozen=True)
class ConfirmationPolicy:
    code_ttl: timedelta = timedelta(minutes=15)
    #: wrong codes before the code is locked (only a resend unlocks)
    max_attempts: int = 5
    #: codes sent per user per window (the sign-up's included)
    max_sends: int = 5
    send_window: timedelta = timedelta(hours=1)


class IdentityService:
    def __init__(
        self,
        *,
        directory: Directory,
        uow: Callable[[], UnitOfWork],
        notifications: NotificationPublisher,
        clock: Clock,
        policy: ConfirmationPolicy | None = None,
    ) -> None:
        self._directory = directory
        self._uow = uow
        self._notifications = notifications
        self._clock = clock
        self._policy = policy or ConfirmationPolicy()

    # -- sign-up and confirmation ------------------------------------------------------------

    def sign_up(self, request: SignupRequest) -> SignupResult:
        """A pool user (unconfirmed, in ``buyer``), its profile row, and a code by email."""
        user_id = self._directory.sign_up(request.email, request.password, name=request.name)
        self._directory.add_to_group(user_id, DEFAULT_GROUP)
        now = self._clock.now()
        code = new_code()
        record = self._new_code_record(user_id, code, now, previous=None)
        with self._uow() as uow:
            uow.users.add(
                UserRecord(user_id=user_id, email=request.email, name=request.name, phone=request.phone)
            )
            uow.confirmations.save(record)
            uow.commit()
        self._send(user_id, request.email, request.name, code, record.generation)
        return SignupResult(user_id=user_id)

    def confirm(self, request: ConfirmRequest) -> ConfirmResult:
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.get_by_email(request.email)
            record = uow.confirmations.get(user.user_id, for_update=True) if user else None
            if user is None or record is None:
                # no code was ever sent to this address: the same answer as a wrong code
                raise CodeMismatch("The code is not right.")
            if record.confirmed_at is not None:
                raise AlreadyConfirmed("This email address is already confirmed; log in.")
            if record.failed_attempts >= self._policy.max_attempts:
                raise self._locked()
            if now >= record.expires_at:
                raise CodeExpired("The code has expired; ask for a new one (POST /auth/resend-code).")
            if not code_matches(request.code, record.salt, record.code_hash):
                failed = record.failed_attempts + 1
                uow.confirmations.save(dataclasses.replace(record, failed_attempts=failed))
                uow.commit()
                left = self._policy.max_attempts - failed
                if left <= 0:
                    raise self._locked()
                raise CodeMismatch("The code is not right.", details={"attempts_left": left})
            # confirm in the pool while the row is locked: a failure there rolls everything back
            self._directory.confirm(user.user_id)
            uow.confirmations.save(dataclasses.replace(record, confirmed_at=now))
            uow.commit()
        return ConfirmResult(user_id=user.user_id, email_verified=True)

    def resend_code(self, request: EmailRequest) -> ResendResult:
        """A new code (the old one stops working, wrong tries are forgotten), rate limited."""
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.get_by_email(request.email, for_update=True)
            if user is None:
                # nothing to send; answer as for anyone else, so addresses cannot be probed here
                return ResendResult()
            previous = uow.confirmations.get(user.user_id, for_update=True)
            if previous is not None and previous.confirmed_at is not None:
                raise AlreadyConfirmed("This email address is already confirmed; log in.")
            code = new_code()
            record = self._new_code_record(user.user_id, code, now, previous=previous)
            uow.confirmations.save(record)
            uow.commit()
        self._send(user.user_id, user.email, user.name, code, record.generation)
        return ResendResult()

    # -- tokens ------------------------------------------------------------------------------

    def login(self, request: LoginRequest) -> Tokens:
        return self._directory.login(request.email, request.password)

    def refresh(self, request: RefreshRequest) -> Tokens:
        return self._directory.refresh(request.refresh_token)

    # -- helpers -----------------------------------------------------------------------------

    def _new_code_record(
        self, user_id: str, code: str, now: datetime, *, previous: ConfirmationRecord | None
    ) -> ConfirmationRecord:
        policy = self._policy
        window_started, sends = now, 1
        if previous is not None and now - previous.window_started_at < policy.send_window:
            if previous.sends_in_window >= policy.max_sends:
                retry_after = previous.window_started_at + policy.send_window - now
                raise ResendLimitReached(
                    f"At most {policy.max_sends} codes per {_words(policy.send_window)}; try again later.",
                    details={"retry_after_seconds": max(int(retry_after.total_seconds()), 1)},
                )
            window_started, sends = previous.window_started_at, previous.sends_in_window + 1
        salt = new_salt()
        return ConfirmationRecord(
            user_id=user_id,
            code_hash=code_hash(code, salt),
            salt=salt,
            generation=(previous.generation + 1) if previous else 1,
            expires_at=now + policy.code_ttl,
            failed_attempts=0,
            window_started_at=window_started,
            sends_in_window=sends,
        )

    def _send(self, user_id: str, email: str, name: str | None, code: str, generation: int) -> None:
        self._notifications.publish(
            Notification(
                notification_id=derived_id("confirmation", user_id, str(generation)),
                type=CONFIRMATION_TYPE,
                category="account",
                channels=("email",),
                user_id=user_id,
                email=email,
                name=name,
                data={"code": code, "expires_in_minutes": int(self._policy.code_ttl.total_seconds() // 60)},
            )
        )

    def _locked(self) -> CodeLocked:
        return CodeLocked(
            f"{self._policy.max_attempts} wrong codes: this code is locked. Ask for a new one "
            "(POST /auth/resend-code)."
        )


def _words(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return "hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"
