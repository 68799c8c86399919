"""Notifications: delivery ports for the email and SMS consumers (SendGrid or SES, Twilio), the
delivery log, preferences and recipients in PostgreSQL."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from adapters.postgres.notifications import (
        PostgresDeliveryLog,
        PostgresPreferenceStore,
        PostgresRecipientDirectory,
    )
    from adapters.twilio.sms import TwilioSmsSender
    from workflows.notifications.delivery import DeliveryPorts
    from workflows.notifications.model import Channel
    from workflows.notifications.ports import MessageSender


class NotificationDeliverySettings(Settings):
    """How the notification consumers deliver (the providers' keys are in ``ProviderSettings``)."""

    #: a "sending" claim older than this is taken over by a retry (must exceed the consumer's timeout)
    claim_stale_after_s: int = Field(default=120, ge=1, validation_alias="NOTIFICATIONS_CLAIM_STALE_AFTER_S")
    #: the address emails are sent from: the stage's setting, no default (the stack and the local
    #: cloud each set it), so that no deployed stage sends from a placeholder
    email_sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", validation_alias="EMAIL_SENDER")
    #: the display name emails are sent from
    email_sender_name: str = Field(default="Resale", validation_alias="EMAIL_SENDER_NAME")


class Notifications:
    @cached_property
    def settings(self) -> NotificationDeliverySettings:
        return load(NotificationDeliverySettings)

    @cached_property
    def email_sender(self) -> MessageSender:
        """SendGrid, or SES when ``EMAIL_PROVIDER=ses``."""
        c = core.wiring()
        sender, name = self.settings.email_sender, self.settings.email_sender_name
        if c.providers.email_provider == "ses":
            from adapters.ses.mail import SesMailSender

            return SesMailSender(c.aws("ses"), sender, sender_name=name)
        from adapters.sendgrid.mail import SendGridMailSender

        return SendGridMailSender(c.sendgrid, sender, sender_name=name)

    @cached_property
    def sms_sender(self) -> TwilioSmsSender:
        from adapters.twilio.sms import TwilioSmsSender

        c = core.wiring()
        s = c.providers
        number = c.given_or_secret(
            s.twilio_from_number, s.twilio_secret_arn, "from_number", "Twilio sender number"
        )
        return TwilioSmsSender(c.twilio, number)

    @cached_property
    def log(self) -> PostgresDeliveryLog:
        from adapters.postgres.notifications import PostgresDeliveryLog

        return PostgresDeliveryLog(core.wiring().pg_pool)

    @cached_property
    def preferences(self) -> PostgresPreferenceStore:
        from adapters.postgres.notifications import PostgresPreferenceStore

        return PostgresPreferenceStore(core.wiring().pg_pool)

    @cached_property
    def recipients(self) -> PostgresRecipientDirectory:
        from adapters.postgres.notifications import PostgresRecipientDirectory

        return PostgresRecipientDirectory(core.wiring().pg_pool)

    def ports(self, channel: Channel) -> DeliveryPorts:
        """What ``workflows.notifications.deliver`` needs for one channel's consumer (its sender
        only: the email consumer never builds the Twilio client)."""
        from datetime import timedelta

        from workflows.notifications.delivery import DeliveryPorts

        sender = self.email_sender if channel == "email" else self.sms_sender
        return DeliveryPorts(
            directory=self.recipients,
            preferences=self.preferences,
            log=self.log,
            senders={channel: sender},
            clock=core.wiring().clock,
            claim_stale_after=timedelta(seconds=self.settings.claim_stale_after_s),
        )


def wiring() -> Notifications:
    return container(Notifications)
