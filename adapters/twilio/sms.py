"""SMS through Twilio's Messages API (the official SDK; locally, the stand-in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException

from workflows.notifications.errors import ProviderUnavailable, RecipientRejected

if TYPE_CHECKING:
    from twilio.rest import Client

    from workflows.notifications.ports import OutgoingMessage

#: Twilio error codes about the recipient: invalid number (21211, 21217), not a mobile number
#: (21614), the recipient replied STOP (21610), region not enabled or unroutable (21408, 21612).
#: Anything else (outage, throttling, our credentials or sender number) is retried, then dead-lettered.
PERMANENT_CODES = frozenset({21211, 21217, 21408, 21610, 21612, 21614})


class TwilioSmsSender:
    """Implements ``MessageSender`` for SMS."""

    provider = "twilio"

    def __init__(self, client: Client, from_number: str) -> None:
        self._client = client
        self._from = from_number

    def send(self, message: OutgoingMessage) -> str:
        try:
            sent = self._client.messages.create(to=message.to, from_=self._from, body=message.text)
        except TwilioRestException as error:
            text = f"Twilio answered {error.status} (error {error.code}): {error.msg}"
            if error.code in PERMANENT_CODES:
                raise RecipientRejected(text) from error
            raise ProviderUnavailable(text) from error
        except (TwilioException, RequestException) as error:
            raise ProviderUnavailable(f"Twilio not reachable: {error}") from error
        return str(sent.sid)
