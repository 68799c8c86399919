"""Hand-written fakes of the notification ports (in memory, same rules as the PostgreSQL ones)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from tests.fakes.clock import FakeClock
from workflows.notifications.delivery import DeliveryPorts
from workflows.notifications.ports import Delivery, OutgoingMessage, RecipientProfile

if TYPE_CHECKING:
    from collections.abc import Mapping

    from workflows.notifications.model import Category, Channel, Notification


class FakeDirectory:
    def __init__(self, *profiles: RecipientProfile) -> None:
        self.profiles = {p.user_id: p for p in profiles}

    def profile(self, user_id: str) -> RecipientProfile | None:
        return self.profiles.get(user_id)


class FakePreferences:
    def __init__(self) -> None:
        self.choices: dict[str, dict[tuple[Category, Channel], bool]] = {}

    def load(self, user_id: str) -> Mapping[tuple[Category, Channel], bool]:
        return dict(self.choices.get(user_id, {}))

    def save(self, user_id: str, choices: Mapping[tuple[Category, Channel], bool], now: datetime) -> None:
        self.choices.setdefault(user_id, {}).update(choices)


class FakeLog:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Delivery] = {}
        self.fail_writes = False

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
        key = (notification.notification_id, channel)
        row = self.rows.get(key)
        if row is not None and not (
            row.status == "failed" or (row.status == "sending" and row.updated_at < stale_before)
        ):
            return False
        self.rows[key] = Delivery(
            notification_id=notification.notification_id,
            channel=channel,
            type=notification.type,
            category=notification.category,
            user_id=notification.user_id,
            recipient=recipient,
            status=status,
            provider=provider,
            provider_message_id=None,
            attempts=(row.attempts if row else 0) + (1 if status == "sending" else 0),
            last_error=reason,
            created_at=row.created_at if row else now,
            updated_at=now,
        )
        return True

    def _update(self, notification_id: str, channel: Channel, **changes: object) -> None:
        if self.fail_writes:
            raise ConnectionError("the database is gone")
        key = (notification_id, channel)
        self.rows[key] = dataclasses.replace(self.rows[key], **changes)  # type: ignore[arg-type]

    def mark_sent(
        self, notification_id: str, channel: Channel, provider_message_id: str, now: datetime
    ) -> None:
        self._update(
            notification_id, channel, status="sent", provider_message_id=provider_message_id,
            last_error=None, updated_at=now,
        )  # fmt: skip

    def mark_failed(self, notification_id: str, channel: Channel, error: str, now: datetime) -> None:
        self._update(notification_id, channel, status="failed", last_error=error, updated_at=now)

    def find(self, notification_id: str, channel: Channel) -> Delivery | None:
        return self.rows.get((notification_id, channel))


class FakeSender:
    """Records what it sends; ``fail_with`` makes the next sends raise."""

    def __init__(self, provider: str = "fake") -> None:
        self.provider = provider
        self.sent: list[OutgoingMessage] = []
        self.fail_with: Exception | None = None

    def send(self, message: OutgoingMessage) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message)
        return f"{self.provider}-{len(self.sent)}"


@dataclasses.dataclass
class Fakes:
    directory: FakeDirectory
    preferences: FakePreferences
    log: FakeLog
    email: FakeSender
    sms: FakeSender
    clock: FakeClock

    def ports(self, **overrides: object) -> DeliveryPorts:
        return DeliveryPorts(
            directory=self.directory,
            preferences=self.preferences,
            log=self.log,
            senders={"email": self.email, "sms": self.sms},
            clock=self.clock,
            **overrides,  # type: ignore[arg-type]
        )


def make_fakes(*profiles: RecipientProfile) -> Fakes:
    return Fakes(
        FakeDirectory(*profiles),
        FakePreferences(),
        FakeLog(),
        FakeSender("mail"),
        FakeSender("text"),
        FakeClock(),
    )
