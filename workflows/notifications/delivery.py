"""Deliver one notification on one channel, at most once (the design: the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from workflows.notifications.errors import RecipientRejected, RecipientUnknown
from workflows.notifications.model import Channel  # noqa: TC001 - pydantic needs it at runtime
from workflows.notifications.ports import OutgoingMessage
from workflows.notifications.preferences import ALWAYS_ON, allows
from workflows.notifications.templates import Templates

if TYPE_CHECKING:
    from collections.abc import Mapping

    from workflows.notifications.model import Notification
    from workflows.notifications.ports import (
        DeliveryLog,
        MessageSender,
        PreferenceStore,
        RecipientDirectory,
        RecipientProfile,
    )
    from workflows.shared.clock import Clock

#: ``${name}`` when neither the notification nor the profile has a name ("Hi there,")
DEFAULT_NAME = "there"
#: a ``sending`` claim older than this belongs to a sender that died; must exceed the consumer's timeout
DEFAULT_CLAIM_STALE_AFTER = timedelta(minutes=2)

Outcome = Literal["sent", "skipped", "duplicate", "rejected"]


@dataclass(frozen=True)
class DeliveryPorts:
    directory: RecipientDirectory
    preferences: PreferenceStore
    log: DeliveryLog
    senders: Mapping[Channel, MessageSender]
    clock: Clock
    templates: Templates = field(default_factory=Templates)
    claim_stale_after: timedelta = DEFAULT_CLAIM_STALE_AFTER


class DeliveryResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    notification_id: str
    channel: Channel
    outcome: Outcome
    provider: str | None = None
    provider_message_id: str | None = None
    reason: str | None = None
    #: False only when the provider took the message but the log could not be updated
    recorded: bool = True


@dataclass(frozen=True)
class _Recipient:
    address: str | None
    name: str
    skip_reason: str | None = None


def _recipient(notification: Notification, channel: Channel, profile: RecipientProfile | None) -> _Recipient:
    name = notification.name or (profile.name if profile else None) or DEFAULT_NAME
    if channel == "email":
        address = notification.email or (profile.email if profile else None)
        return _Recipient(address, name, None if address else "no email address")
    if notification.phone:
        return _Recipient(notification.phone, name)
    if profile and profile.phone and profile.phone_verified:
        return _Recipient(profile.phone, name)
    return _Recipient(None, name, "no verified phone number")


def _explicit_address(notification: Notification, channel: Channel) -> str | None:
    return notification.email if channel == "email" else notification.phone


def _render(
    notification: Notification, channel: Channel, recipient: _Recipient, templates: Templates
) -> OutgoingMessage:
    values = {**notification.data, "name": recipient.name}
    subject: str | None = None
    html: str | None = None
    if channel == "email":
        email = templates.render_email(notification.type, values)
        subject, text, html = email.subject, email.text, email.html
    else:
        text = templates.render_sms(notification.type, values)
    return OutgoingMessage(
        notification_id=notification.notification_id,
        type=notification.type,
        category=notification.category,
        channel=channel,
        to=recipient.address or "",
        to_name=recipient.name if recipient.name != DEFAULT_NAME else None,
        text=text,
        subject=subject,
        html=html,
    )


def deliver(notification: Notification, channel: Channel, ports: DeliveryPorts) -> DeliveryResult:
    """Resolve the recipient, apply preferences, render, claim, send, record.

    Returns ``duplicate`` when another delivery of the same (notification_id, channel) has it,
    ``skipped`` (and logs why) when nothing is to be sent, ``rejected`` when the provider refused
    the recipient for good. Raises a ``TransientError`` (the message is retried, then
    dead-lettered) when the provider or the profile is not available, a ``TemplateError`` when
    the message cannot be rendered completely.
    """
    sender = ports.senders[channel]
    notification_id = notification.notification_id

    def result(outcome: Outcome, **extra: str | bool | None) -> DeliveryResult:
        return DeliveryResult.model_validate(
            {"notification_id": notification_id, "channel": channel, "provider": sender.provider,
             "outcome": outcome, **extra}
        )  # fmt: skip

    profile = ports.directory.profile(notification.user_id) if notification.user_id else None
    if notification.user_id and profile is None and not _explicit_address(notification, channel):
        raise RecipientUnknown(
            f"no profile for user {notification.user_id}", details={"user_id": notification.user_id}
        )
    recipient = _recipient(notification, channel, profile)
    reason = recipient.skip_reason
    if (
        reason is None
        and notification.user_id
        and notification.category not in ALWAYS_ON
        and not allows(notification.category, channel, ports.preferences.load(notification.user_id))
    ):
        reason = f"the user turned off {notification.category} on {channel}"
    now = ports.clock.now()
    stale_before = now - ports.claim_stale_after
    if reason is not None:
        claimed = ports.log.claim(
            notification, channel, recipient=recipient.address, provider=None, status="skipped",
            reason=reason, now=now, stale_before=stale_before,
        )  # fmt: skip
        return result("skipped" if claimed else "duplicate", reason=reason)

    message = _render(notification, channel, recipient, ports.templates)  # before the claim: all or nothing
    claimed = ports.log.claim(
        notification, channel, recipient=recipient.address, provider=sender.provider, status="sending",
        reason=None, now=now, stale_before=stale_before,
    )  # fmt: skip
    if not claimed:
        return result("duplicate", reason="already delivered or being delivered")
    try:
        provider_message_id = sender.send(message)
    except RecipientRejected as rejected:
        ports.log.mark_failed(notification_id, channel, f"rejected: {rejected.message}", ports.clock.now())
        return result("rejected", reason=rejected.message)
    except Exception as error:
        # the retry of this message may claim the row again (failed rows can be re-claimed)
        try:
            ports.log.mark_failed(notification_id, channel, _describe(error), ports.clock.now())
        except Exception as log_error:  # the row goes stale instead; the retry still works
            raise error from log_error
        raise
    try:
        ports.log.mark_sent(notification_id, channel, provider_message_id, ports.clock.now())
    except Exception:  # noqa: BLE001 - sent is sent: retrying the message would send it twice
        return result("sent", provider_message_id=provider_message_id, recorded=False)
    return result("sent", provider_message_id=provider_message_id)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:1000]
