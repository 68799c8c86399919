"""Email through Amazon SES (``SendEmail``, text and HTML parts) with the wiring's boto3 client."""

from __future__ import annotations

from email.utils import formataddr
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from workflows.notifications.errors import ProviderUnavailable, RecipientRejected

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from workflows.notifications.ports import OutgoingMessage

#: the address itself is invalid: sending again cannot help. Everything else (throttling, a
#: paused account, an unverified sender: MessageRejected) is retried and ends in the DLQ.
PERMANENT_CODES = frozenset({"InvalidParameterValue"})


class SesMailSender:
    """Implements ``MessageSender`` for email."""

    provider = "ses"

    def __init__(self, client: BaseClient, sender: str, *, sender_name: str = "Resale") -> None:
        self._client = client
        self._source = formataddr((sender_name, sender))

    def send(self, message: OutgoingMessage) -> str:
        body: dict[str, Any] = {"Text": {"Data": message.text, "Charset": "UTF-8"}}
        if message.html:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        try:
            response = self._client.send_email(
                Source=self._source,
                Destination={"ToAddresses": [message.to]},
                Message={"Subject": {"Data": message.subject or "", "Charset": "UTF-8"}, "Body": body},
                Tags=[{"Name": "type", "Value": message.type.replace(".", "-")}],
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            text = f"SES refused the message ({code}): {error}"
            if code in PERMANENT_CODES:
                raise RecipientRejected(text) from error
            raise ProviderUnavailable(text) from error
        except BotoCoreError as error:
            raise ProviderUnavailable(f"SES not reachable: {error}") from error
        return str(response["MessageId"])
