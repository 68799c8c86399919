"""The caller's own profile, addresses and phone verification.

Every function takes the verified :class:`~workflows.shared.identity.Caller` and only ever reads
or writes that caller's rows: someone else's address is simply not found (404, never 403).
A profile row is made on first use for a pool user that never went through the sign-up API
(created by an administrator, say), from the verified token's claims.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from workflows.accounts.errors import (
    AddressNotFound,
    CodeMismatch,
    NoPhone,
    PhoneAlreadyVerified,
    PhoneChanged,
    TooManyAddresses,
)
from workflows.accounts.model import ROLES, AddressRecord, UserRecord
from workflows.accounts.views import Address, AddressPage, PhoneVerificationStarted, PhoneVerified, Profile
from workflows.notifications.model import Notification
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import ContractError, IdempotencyKeyReused
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from workflows.accounts.commands import AddressInput, ProfileUpdate
    from workflows.accounts.ports import Directory, PhoneVerifier, UnitOfWork
    from workflows.notifications.model import NotificationPublisher
    from workflows.shared.clock import Clock
    from workflows.shared.identity import Caller

MAX_ADDRESSES = 50


class ProfileService:
    def __init__(
        self,
        *,
        uow: Callable[[], UnitOfWork],
        directory: Directory,
        phone_verifier: PhoneVerifier,
        notifications: NotificationPublisher,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._directory = directory
        self._phone = phone_verifier
        self._notifications = notifications
        self._clock = clock

    # -- profile -----------------------------------------------------------------------------

    def get(self, caller: Caller) -> Profile:
        with self._uow() as uow:
            user = self._ensure(uow, caller)
            uow.commit()
        return _profile(user, caller)

    def update(self, caller: Caller, change: ProfileUpdate) -> Profile:
        """Name and/or phone; a different phone number is unverified again. Roles never change here."""
        sent = change.model_fields_set
        with self._uow() as uow:
            self._ensure(uow, caller)
            user = _require(uow.users.get(caller.user_id, for_update=True))
            updated = user
            if "name" in sent:
                if change.name is None:
                    raise ContractError(
                        "The name cannot be removed.",
                        details={"fields": [{"field": "name", "problem": "null"}]},
                    )
                updated = dataclasses.replace(updated, name=change.name)
            if "phone" in sent and change.phone != user.phone:
                updated = dataclasses.replace(updated, phone=change.phone, phone_verified=False)
            if updated != user:
                uow.users.update(updated)
                if updated.name != user.name and updated.name is not None:
                    # inside the transaction: if the pool refuses, the row is not changed either
                    self._directory.set_name(caller.user_id, updated.name)
            uow.commit()
        return _profile(updated, caller)

    # -- addresses ---------------------------------------------------------------------------

    def list_addresses(self, caller: Caller, *, limit: int, cursor: str | None) -> AddressPage:
        after = decode_cursor(cursor) if cursor else None
        with self._uow() as uow:
            rows = uow.addresses.list(caller.user_id, limit=limit + 1, after=after)
        page, more = rows[:limit], len(rows) > limit
        next_cursor = encode_cursor(page[-1].created_at, page[-1].address_id) if more and page else None
        return AddressPage(items=[_address(a) for a in page], next_cursor=next_cursor)

    def add_address(self, caller: Caller, data: AddressInput, *, address_id: str) -> tuple[Address, bool]:
        """(the address, whether it was created now). The first address is the default.

        ``address_id`` comes from the edge: random, or derived from an Idempotency-Key, in which
        case a repeat with the same body answers the first address again.
        """
        now = self._clock.now()
        with self._uow() as uow:
            self._ensure(uow, caller)
            uow.addresses.lock_user(caller.user_id)
            existing = uow.addresses.get(caller.user_id, address_id)
            if existing is not None:
                if _same(existing, data):
                    return _address(existing), False
                raise IdempotencyKeyReused("This Idempotency-Key was used with a different address.")
            count = uow.addresses.count(caller.user_id)
            if count >= MAX_ADDRESSES:
                raise TooManyAddresses(f"At most {MAX_ADDRESSES} addresses; delete one first.")
            is_default = data.is_default or count == 0
            if is_default:
                uow.addresses.clear_default(caller.user_id)
            record = _record(
                data,
                address_id=address_id,
                user_id=caller.user_id,
                is_default=is_default,
                created_at=now,
                now=now,
            )
            uow.addresses.add(record)
            uow.commit()
        return _address(record), True

    def replace_address(self, caller: Caller, address_id: str, data: AddressInput) -> Address:
        """Every field replaced; ``is_default: true`` moves the default here, ``false`` on the
        default address leaves the caller without one."""
        now = self._clock.now()
        with self._uow() as uow:
            uow.addresses.lock_user(caller.user_id)
            existing = uow.addresses.get(caller.user_id, address_id, for_update=True)
            if existing is None:
                raise AddressNotFound("No such address.")
            if data.is_default and not existing.is_default:
                uow.addresses.clear_default(caller.user_id)
            record = _record(
                data,
                address_id=address_id,
                user_id=caller.user_id,
                is_default=data.is_default,
                created_at=existing.created_at,
                now=now,
            )
            uow.addresses.update(record)
            uow.commit()
        return _address(record)

    def delete_address(self, caller: Caller, address_id: str) -> None:
        """Deleting the default address leaves the caller without one (no other is promoted)."""
        with self._uow() as uow:
            uow.addresses.lock_user(caller.user_id)
            if not uow.addresses.delete(caller.user_id, address_id):
                raise AddressNotFound("No such address.")
            uow.commit()

    # -- phone verification ------------------------------------------------------------------

    def start_phone_verification(self, caller: Caller) -> PhoneVerificationStarted:
        phone = self._phone_of(caller, verified_is_conflict=True)
        self._phone.start(phone)
        return PhoneVerificationStarted(phone=phone)

    def check_phone_verification(self, caller: Caller, code: str) -> PhoneVerified:
        phone = self._phone_of(caller, verified_is_conflict=False)
        if not self._phone.check(phone, code):
            raise CodeMismatch("The code is not right.")
        with self._uow() as uow:
            user = _require(uow.users.get(caller.user_id, for_update=True))
            if user.phone != phone:
                raise PhoneChanged(
                    "The phone number changed while it was being verified; verify the new one."
                )
            newly = not user.phone_verified
            if newly:
                uow.users.update(dataclasses.replace(user, phone_verified=True))
            uow.commit()
        if newly:
            self._notifications.publish(
                Notification(
                    notification_id=derived_id("phone-verified", caller.user_id, phone),
                    type="account.phone_verified",
                    category="account",
                    channels=("email",),
                    user_id=caller.user_id,
                    email=user.email,
                    name=user.name,
                    data={"phone_ending": phone[-4:]},
                )
            )
        return PhoneVerified(phone=phone, phone_verified=True)

    # -- helpers -----------------------------------------------------------------------------

    def _phone_of(self, caller: Caller, *, verified_is_conflict: bool) -> str:
        with self._uow() as uow:
            user = self._ensure(uow, caller)
            uow.commit()
        if user.phone is None:
            raise NoPhone("Add a phone number to the profile first (PATCH /me).")
        if verified_is_conflict and user.phone_verified:
            raise PhoneAlreadyVerified("This phone number is already verified.")
        return user.phone

    @staticmethod
    def _ensure(uow: UnitOfWork, caller: Caller) -> UserRecord:
        user = uow.users.get(caller.user_id)
        if user is None:
            uow.users.ensure(UserRecord(user_id=caller.user_id, email=caller.email.lower(), name=None))
            user = _require(uow.users.get(caller.user_id))
        return user


def _require(user: UserRecord | None) -> UserRecord:
    if user is None:  # a row made in this transaction cannot vanish
        raise RuntimeError("profile row missing")
    return user


def _profile(user: UserRecord, caller: Caller) -> Profile:
    return Profile(
        user_id=user.user_id,
        email=user.email,
        name=user.name,
        phone=user.phone,
        phone_verified=user.phone_verified,
        roles=[role for role in ROLES if role in caller.roles],
        seller_status=user.seller_status,
    )


def _record(
    data: AddressInput,
    *,
    address_id: str,
    user_id: str,
    is_default: bool,
    created_at: datetime,
    now: datetime,
) -> AddressRecord:
    return AddressRecord(
        address_id=address_id,
        user_id=user_id,
        name=data.name,
        line1=data.line1,
        line2=data.line2 or None,
        city=data.city,
        region=data.region or None,
        postal_code=data.postal_code,
        country=data.country,
        phone=data.phone,
        is_default=is_default,
        created_at=created_at,
        updated_at=now,
    )


_COMPARED = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")


def _same(existing: AddressRecord, data: AddressInput) -> bool:
    """Does a repeated create (same Idempotency-Key) carry the body of the first?"""
    sent = _record(
        data,
        address_id=existing.address_id,
        user_id=existing.user_id,
        is_default=existing.is_default,
        created_at=existing.created_at,
        now=existing.updated_at,
    )
    same_fields = all(getattr(existing, name) == getattr(sent, name) for name in _COMPARED)
    return same_fields and (existing.is_default or not data.is_default)


def _address(a: AddressRecord) -> Address:
    return Address(
        address_id=a.address_id,
        name=a.name,
        line1=a.line1,
        line2=a.line2,
        city=a.city,
        region=a.region,
        postal_code=a.postal_code,
        country=a.country,
        phone=a.phone,
        is_default=a.is_default,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )
