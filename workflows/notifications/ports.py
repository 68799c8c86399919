"""The ports the delivery service talks through; adapters implement them (``adapters/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from workflows.notifications.model import Category, Channel, Notification

Status = Literal["sending", "sent", "failed", "skipped"]


@dataclass(frozen=True)
class RecipientProfile:
    """What the pipeline needs to know about a user (from the ``users`` table)."""

    user_id: str
    email: str
    name: str | None
    phone: str | None
    phone_verified: bool


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered message for one recipient on one channel (SMS has no subject or HTML)."""

    notification_id: str
    type: str
    category: str
    channel: Channel
    to: str
    to_name: str | None
    text: str
    subject: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class Delivery:
    """A row of the delivery log: what happened to one notification on one channel."""

    notification_id: str
    channel: Channel
    type: str
    category: str
    user_id: str | None
    recipient: str | None
    status: Status
    provider: str | None
    provider_message_id: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class RecipientDirectory(Protocol):
    def profile(self, user_id: str) -> RecipientProfile | None:
        """The user's profile, or None when there is no such user."""
        ...


class PreferenceStore(Protocol):
    def load(self, user_id: str) -> Mapping[tuple[Category, Channel], bool]:
        """The choices the user made (only those; defaults are the service's business)."""
        ...

    def save(self, user_id: str, choices: Mapping[tuple[Category, Channel], bool], now: datetime) -> None:
        """Store these choices (others stay as they are), all or nothing."""
        ...


class DeliveryLog(Protocol):
    """The at-most-once ledger, keyed by (notification_id, channel)."""

    def claim(
        self,
        notification: Notification,
        channel: Channel,
        *,
        recipient: str | None,
        provider: str | None,
        status: Literal["sending", "skipped"],
        reason: str | None,
        now: datetime,
        stale_before: datetime,
    ) -> bool:
        """Take the row for this delivery; False when someone already has it.

        A new row is taken; an existing one only when it is ``failed``, or ``sending`` and last
        touched before ``stale_before`` (its sender died). ``sent`` and ``skipped`` rows are final.
        """
        ...

    def mark_sent(
        self, notification_id: str, channel: Channel, provider_message_id: str, now: datetime
    ) -> None: ...

    def mark_failed(self, notification_id: str, channel: Channel, error: str, now: datetime) -> None: ...

    def find(self, notification_id: str, channel: Channel) -> Delivery | None: ...


class MessageSender(Protocol):
    """A provider for one channel (SendGrid or SES for email, Twilio for SMS)."""

    @property
    def provider(self) -> str: ...

    def send(self, message: OutgoingMessage) -> str:
        """Hand the message to the provider; returns the provider's message id.

        Raises :class:`~workflows.notifications.errors.ProviderUnavailable` (or another
        ``TransientError``) when trying again may work, and
        :class:`~workflows.notifications.errors.RecipientRejected` when it cannot.
        """
        ...
