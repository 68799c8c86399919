"""Conversations, messages, blocks, reports and live connections: pure values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from datetime import datetime

About = Literal["listing", "order"]
ReportStatus = Literal["open", "resolved"]
ReportReason = Literal["spam", "scam", "harassment", "off_platform_payment", "inappropriate", "other"]
ReportResolution = Literal["no_action", "warned", "suspended"]

#: a message body: plain text of at most this many characters
MAX_BODY_CHARS = 2000
#: images one message may carry
MAX_IMAGES_PER_MESSAGE = 4


@dataclass(frozen=True)
class MessageImage:
    image_id: str
    key: str
    content_type: str
    size: int


@dataclass(frozen=True)
class LastMessage:
    """The newest message, kept on the conversation so the inbox reads one document each."""

    message_id: str
    sender_id: str
    body: str
    #: what the recipient sees when the body was masked (None: the same as ``body``)
    masked_body: str | None
    created_at: datetime

    def body_for(self, user_id: str) -> str:
        if self.masked_body is not None and user_id != self.sender_id:
            return self.masked_body
        return self.body


@dataclass(frozen=True)
class NoticeClaim:
    """A missed-message quiet period running for one recipient: its wait's key, and the first
    message it is about."""

    wait_key: str
    since_seq: int


@dataclass(frozen=True)
class Conversation:
    id: str
    about: About
    buyer_id: str
    seller_id: str
    #: the listing it is about (an order's conversation names the order's first listing, if any)
    listing_id: str | None
    order_id: str | None
    title: str
    created_at: datetime
    last_message_at: datetime
    last_message: LastMessage | None = None
    #: the last message seq each participant has read up to (0: nothing read)
    read_up_to: dict[str, int] = field(default_factory=dict)
    #: how many messages the conversation holds (the next message's seq is this + 1)
    message_count: int = 0
    #: the quiet periods running, by recipient
    notices: dict[str, NoticeClaim] = field(default_factory=dict)

    @property
    def participant_ids(self) -> tuple[str, str]:
        return (self.buyer_id, self.seller_id)

    def has(self, user_id: str) -> bool:
        return user_id in self.participant_ids

    def other(self, user_id: str) -> str:
        return self.seller_id if user_id == self.buyer_id else self.buyer_id


@dataclass(frozen=True)
class Message:
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    body: str
    #: the body the recipient sees, when something in it was masked (None: nothing was)
    masked_body: str | None
    masked_kinds: tuple[str, ...]
    images: tuple[MessageImage, ...]
    created_at: datetime
    #: the hash of the request that created it (a retried send with the same key is compared to it)
    request_hash: str

    def body_for(self, user_id: str) -> str:
        if self.masked_body is not None and user_id != self.sender_id:
            return self.masked_body
        return self.body


@dataclass(frozen=True)
class PendingImage:
    """An upload a participant asked for; it joins a message once the file is in the bucket."""

    image_id: str
    conversation_id: str
    uploader_id: str
    key: str
    content_type: str
    size: int
    expires_at: datetime


@dataclass(frozen=True)
class Block:
    blocker_id: str
    blocked_id: str
    created_at: datetime


@dataclass(frozen=True)
class Report:
    id: str
    conversation_id: str
    reporter_id: str
    reason: ReportReason
    comment: str | None
    status: ReportStatus
    created_at: datetime
    resolution: ReportResolution | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class Connection:
    """One open WebSocket connection of a user (API Gateway's connection id)."""

    connection_id: str
    user_id: str
    connected_at: int
    #: connect time + API Gateway's 2-hour limit (epoch seconds): DynamoDB's TTL, and filtered on read
    expires_at: int
