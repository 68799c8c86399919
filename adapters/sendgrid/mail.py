"""Email through SendGrid's v3 Mail Send API (the official SDK; locally, the stand-in)."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from python_http_client.exceptions import HTTPError  # type: ignore[import-untyped]
from sendgrid.helpers.mail import Content, CustomArg, From, Mail, To

from workflows.notifications.errors import ProviderUnavailable, RecipientRejected

if TYPE_CHECKING:
    from sendgrid import SendGridAPIClient

    from workflows.notifications.ports import OutgoingMessage

#: SendGrid refused the message itself (invalid address or content): sending it again cannot help.
#: Other 4xx (401/403: our key; 404/405: our request) are retried and end in the DLQ, so that a
#: wrong key never turns every email into a "rejected" one.
PERMANENT_STATUSES = frozenset({HTTPStatus.BAD_REQUEST, HTTPStatus.REQUEST_ENTITY_TOO_LARGE})
TIMEOUT_S = 10.0


def _error_text(error: HTTPError) -> str:
    body = error.body.decode("utf-8", "replace") if isinstance(error.body, bytes) else str(error.body)
    return f"SendGrid answered {error.status_code}: {body[:500]}"


class SendGridMailSender:
    """Implements ``MessageSender`` for email."""

    provider = "sendgrid"

    def __init__(self, client: SendGridAPIClient, sender: str, *, sender_name: str = "Resale") -> None:
        self._client = client
        self._sender = sender
        self._sender_name = sender_name

    def _mail(self, message: OutgoingMessage) -> Mail:
        mail = Mail(
            from_email=From(self._sender, self._sender_name),
            to_emails=To(message.to, message.to_name),
            subject=message.subject,
        )
        mail.add_content(Content("text/plain", message.text))
        if message.html:
            mail.add_content(Content("text/html", message.html))
        mail.add_custom_arg(CustomArg("notification_id", message.notification_id))
        mail.add_custom_arg(CustomArg("type", message.type))
        return mail

    def send(self, message: OutgoingMessage) -> str:
        try:
            response = self._client.client.mail.send.post(
                request_body=self._mail(message).get(), timeout=TIMEOUT_S
            )
        except HTTPError as error:
            if error.status_code in PERMANENT_STATUSES:
                raise RecipientRejected(_error_text(error)) from error
            raise ProviderUnavailable(_error_text(error)) from error
        except OSError as error:  # urllib's URLError, timeouts, refused connections
            raise ProviderUnavailable(f"SendGrid not reachable: {error}") from error
        return str(response.headers.get("X-Message-Id") or f"sendgrid:{message.notification_id}")
