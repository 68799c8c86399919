"""What can go wrong delivering a notification, in the three kinds every layer speaks."""

from __future__ import annotations

from workflows.shared.errors import ContractError, DomainError, TransientError


class RecipientRejected(DomainError):
    """The provider refused this message for good (an invalid address or number, an opt-out).

    Trying again cannot help: the delivery is recorded as ``failed`` and the message is not
    retried (see the package docstring).
    """

    code = "RECIPIENT_REJECTED"


class ProviderUnavailable(TransientError):
    """The provider did not take the message now (outage, throttling, network): retry later."""

    code = "PROVIDER_UNAVAILABLE"


class RecipientUnknown(TransientError):
    """The notification names a user whose profile is not there (yet): retried, then dead-lettered."""

    code = "RECIPIENT_UNKNOWN"


class TemplateError(ContractError):
    """A template is missing, or a value it needs is not in the notification's data.

    Never "fixed" by sending a half-rendered message: the message fails and ends in the DLQ.
    """

    code = "TEMPLATE_ERROR"


class MalformedNotification(ContractError):
    """A queue message that is not a notification for this channel."""

    code = "MALFORMED_NOTIFICATION"


class AccountNotificationsRequired(ContractError):
    code = "ACCOUNT_NOTIFICATIONS_REQUIRED"


class DuplicatePreference(ContractError):
    code = "DUPLICATE_PREFERENCE"
