"""The local outbox: every email and SMS the local cloud "sends" lands here.

The Twilio and SendGrid stand-ins add to an :class:`Outbox`; mail sent through the local cloud's
SES (moto, in-process) is read from moto's backend by :func:`ses_messages` and can be merged into
the same outbox with :meth:`Outbox.sync_ses`. Tests and people (the console, ``/_local/outbox``)
read it back, newest first.
"""

from __future__ import annotations

import builtins
import email
import email.policy
import itertools
import threading
import time
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from email.message import EmailMessage

Channel = Literal["email", "sms"]
Provider = Literal["sendgrid", "ses", "twilio"]


def rfc3339(moment: datetime) -> str:
    """``2026-11-23T21:37:56.123456Z`` for an aware datetime (converted to UTC)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class OutboxMessage(BaseModel):
    """One email or SMS, one recipient."""

    model_config = ConfigDict(frozen=True)

    id: str
    channel: Channel
    to: str
    sender: str
    subject: str | None = None
    body: str
    html: str | None = None
    sent_at: datetime
    provider: Provider
    provider_message_id: str
    metadata: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        row = self.model_dump(mode="json")
        row["sent_at"] = rfc3339(self.sent_at)
        return row


def _matches_recipient(message: OutboxMessage, to: str) -> bool:
    if message.channel == "email":
        return message.to.casefold() == to.casefold()
    return message.to == to


class Outbox:
    """A thread-safe, in-memory list of sent messages.

    ``clock`` returns seconds since the epoch (``time.time`` or a virtual clock); it dates a
    message unless the sender passes ``sent_at`` itself.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._messages: list[tuple[int, OutboxMessage]] = []
        self._sequence = itertools.count(1)
        self._ids: set[str] = set()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def add(
        self,
        *,
        channel: Channel,
        to: str,
        sender: str,
        body: str,
        provider: Provider,
        provider_message_id: str,
        subject: str | None = None,
        html: str | None = None,
        sent_at: datetime | None = None,
        metadata: Mapping[str, Any] | None = None,
        message_id: str | None = None,
    ) -> OutboxMessage:
        """Record one message for one recipient and return it."""
        with self._lock:
            sequence = next(self._sequence)
            message = OutboxMessage(
                id=message_id or f"obx_{sequence:06d}",
                channel=channel,
                to=to,
                sender=sender,
                subject=subject if channel == "email" else None,
                body=body,
                html=html,
                sent_at=(sent_at or self.now()).astimezone(UTC),
                provider=provider,
                provider_message_id=provider_message_id,
                metadata=dict(metadata or {}),
            )
            self._messages.append((sequence, message))
            self._ids.add(message.id)
            return message

    def list(
        self, *, to: str | None = None, channel: Channel | None = None, limit: int | None = None
    ) -> builtins.list[OutboxMessage]:
        """Messages newest first (by ``sent_at``, then by arrival), optionally filtered."""
        with self._lock:
            rows = builtins.list(self._messages)
        rows.sort(key=lambda row: (row[1].sent_at, row[0]), reverse=True)
        found = [
            message
            for _, message in rows
            if (to is None or _matches_recipient(message, to))
            and (channel is None or message.channel == channel)
        ]
        return found if limit is None else found[: max(limit, 0)]

    def last(self, *, to: str | None = None, channel: Channel | None = None) -> OutboxMessage | None:
        """The newest matching message, or None."""
        found = self.list(to=to, channel=channel, limit=1)
        return found[0] if found else None

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._ids.clear()

    def to_json(
        self, *, to: str | None = None, channel: Channel | None = None, limit: int | None = None
    ) -> builtins.list[dict[str, Any]]:
        """JSON-ready rows, newest first; ``sent_at`` as RFC 3339 in UTC."""
        return [message.to_json() for message in self.list(to=to, channel=channel, limit=limit)]

    def sync_ses(self, account_id: str, region: str) -> int:
        """Copy mail sent through the local cloud's SES that is not here yet; returns how many.

        moto keeps no send time, so a copied message is dated when it is first seen here.
        """
        found = ses_messages(account_id, region, now=self.now())
        added = 0
        for message in found:
            with self._lock:
                if message.id in self._ids:
                    continue
                self._messages.append((next(self._sequence), message))
                self._ids.add(message.id)
            added += 1
        return added

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)


# --- SES through moto -------------------------------------------------------------------------------


def ses_messages(account_id: str, region: str, *, now: datetime | None = None) -> list[OutboxMessage]:
    """Mail sent through moto's SES (v1 and v2 APIs) in this process, one row per recipient.

    Reads ``moto.ses.models.ses_backends[account_id][region].sent_messages`` (moto 5.2.5; a test
    guards the attribute). moto records no send time: ``sent_at`` is ``now`` (default: the wall
    clock). Plain ``SendEmail`` keeps only one body in moto: the HTML part when there is one, so
    such a body is reported as both ``body`` and ``html``.
    """
    from moto.ses.models import ses_backends

    backend = ses_backends[account_id][region]
    sent_at = (now or datetime.now(UTC)).astimezone(UTC)
    rows: list[OutboxMessage] = []
    for raw in builtins.list(backend.sent_messages):
        rows.extend(_from_moto_message(raw, sent_at))
    return rows


def _addresses(destinations: Any) -> list[str]:
    """Recipient addresses, display names dropped, each once (moto may list one twice)."""
    if isinstance(destinations, dict):
        keys = ("ToAddresses", "CcAddresses", "BccAddresses")
        found = [str(address) for key in keys for address in destinations.get(key) or []]
    elif isinstance(destinations, list | tuple):
        found = [str(address) for address in destinations]
    else:
        found = []
    unique: dict[str, str] = {}
    for entry in found:
        address = parseaddr(entry)[1] or entry
        unique.setdefault(address.casefold(), address)
    return list(unique.values())


def _looks_like_html(text: str) -> bool:
    stripped = text.lstrip().lower()
    return stripped.startswith(("<!doctype", "<html", "<body", "<div", "<p", "<table"))


def _rows(
    *,
    message_id: str,
    recipients: Iterable[str],
    sender: str,
    subject: str | None,
    body: str,
    html: str | None,
    sent_at: datetime,
    metadata: dict[str, Any],
) -> list[OutboxMessage]:
    return [
        OutboxMessage(
            id=f"ses-{message_id}-{index}",
            channel="email",
            to=recipient,
            sender=sender,
            subject=subject,
            body=body,
            html=html,
            sent_at=sent_at,
            provider="ses",
            provider_message_id=message_id,
            metadata=metadata,
        )
        for index, recipient in enumerate(recipients)
    ]


def _from_moto_message(raw: Any, sent_at: datetime) -> list[OutboxMessage]:
    kind = type(raw).__name__
    if kind == "Message":
        body = str(raw.body or "")
        html = body if _looks_like_html(body) else None
        return _rows(
            message_id=raw.id,
            recipients=_addresses(raw.destinations),
            sender=str(raw.source),
            subject=raw.subject,
            body=body,
            html=html,
            sent_at=sent_at,
            metadata={"ses_api": "SendEmail"},
        )
    if kind == "RawMessage":
        parsed = email.message_from_string(str(raw.raw_data), policy=email.policy.default)
        text, html = _parts(parsed)
        return _rows(
            message_id=raw.id,
            recipients=_addresses(raw.destinations),
            sender=str(raw.source or parsed.get("From", "")),
            subject=parsed.get("Subject"),
            body=text if text is not None else (html or ""),
            html=html,
            sent_at=sent_at,
            metadata={"ses_api": "SendRawEmail"},
        )
    if kind == "TemplateMessage":
        return _rows(
            message_id=raw.id,
            recipients=_addresses(raw.destinations),
            sender=str(raw.source),
            subject=None,
            body=f"[template {raw.template}] {raw.template_data}",
            html=None,
            sent_at=sent_at,
            metadata={"ses_api": "SendTemplatedEmail", "template": raw.template},
        )
    if kind == "BulkTemplateMessage":
        rows: list[OutboxMessage] = []
        for message_id, destination in zip(raw.ids, raw.destinations, strict=False):
            addresses = _addresses(destination.get("Destination", destination))
            rows.extend(
                _rows(
                    message_id=message_id,
                    recipients=addresses,
                    sender=str(raw.source),
                    subject=None,
                    body=f"[template {raw.template}] {raw.template_data}",
                    html=None,
                    sent_at=sent_at,
                    metadata={"ses_api": "SendBulkTemplatedEmail", "template": raw.template},
                )
            )
        return rows
    return []


def _parts(message: EmailMessage) -> tuple[str | None, str | None]:
    text: str | None = None
    html: str | None = None
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain" and text is None:
            text = str(part.get_content())
        elif content_type == "text/html" and html is None:
            html = str(part.get_content())
    return text, html
