"""What a capability asks the notification pipeline to tell someone.

A notification is published once per channel on the notifications topic (message attribute
``channel``); each channel's consumer renders the template of ``type`` with ``data``, applies the
recipient's preferences (``account`` messages always go out) and sends it at most once per
``notification_id`` and channel.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["email", "sms"]
Category = Literal["account", "orders", "messages", "marketing"]


class Notification(BaseModel):
    model_config = ConfigDict(frozen=True)

    notification_id: str = Field(description="Deterministic (derived from the business key): the dedupe key")
    type: str = Field(
        description="Template name, e.g. 'account.confirmation_code'", pattern=r"^[a-z_]+\.[a-z_]+$"
    )
    category: Category
    channels: tuple[Channel, ...] = ("email",)
    #: the recipient: a user (profile, preferences) and/or explicit addresses (before a profile exists)
    user_id: str | None = None
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    #: what it is about, e.g. ``order:<id>`` (the order's timeline shows its deliveries)
    reference: str | None = Field(default=None, max_length=200)


class NotificationPublisher(Protocol):
    """Port: hand a notification to the pipeline (the SNS topic)."""

    def publish(self, notification: Notification) -> None: ...


class NotificationMessage(Notification):
    """The body of one queue message: the notification plus the channel it is published for
    (what :class:`NotificationPublisher` implementations put on the topic)."""

    channel: Channel
