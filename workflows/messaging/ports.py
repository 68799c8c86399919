"""The messaging service's ports: the stores (MongoDB, DynamoDB), the live pusher, the orders
and people it asks about, and the missed-message timer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from workflows.messaging.model import (
        Block,
        Connection,
        Conversation,
        LastMessage,
        Message,
        NoticeClaim,
        PendingImage,
        Report,
        ReportStatus,
    )


class Conversations(Protocol):
    def get(self, conversation_id: str) -> Conversation | None: ...

    def add(self, conversation: Conversation) -> Conversation:
        """Insert it, or return the one that already exists with the same id (a race, a retry)."""
        ...

    def of_user(self, user_id: str, *, limit: int, before: tuple[datetime, str] | None) -> list[Conversation]:
        """The user's conversations, latest activity first, strictly after the cursor ``before``."""
        ...

    def next_seq(self, conversation_id: str) -> int:
        """Take the next message number of the conversation (1, 2, ...), atomically."""
        ...

    def record_last(self, conversation_id: str, last: LastMessage, seq: int) -> None:
        """The conversation's newest message is this one (unless a later seq is recorded already)."""
        ...

    def set_read(self, conversation_id: str, user_id: str, seq: int) -> int:
        """Move the user's read marker forward to ``seq`` (never back); returns the marker now."""
        ...

    def claim_notice(
        self, conversation_id: str, user_id: str, claim: NoticeClaim, *, now: datetime, until: datetime
    ) -> bool:
        """Start a quiet period for the user's missed-message notice (lapsing at ``until``): True
        when none was running."""
        ...

    def release_notice(self, conversation_id: str, user_id: str) -> None: ...


class Messages(Protocol):
    def get(self, message_id: str) -> Message | None: ...

    def add(self, message: Message) -> bool:
        """Insert it; False when a message with this id exists (a retried send)."""
        ...

    def page(
        self, conversation_id: str, *, limit: int, after_seq: int | None, ascending: bool
    ) -> list[Message]: ...

    def count_from_after(self, conversation_id: str, sender_id: str, after_seq: int) -> int:
        """How many messages ``sender_id`` sent in the conversation after ``after_seq``."""
        ...

    def first_from_after(self, conversation_id: str, sender_id: str, after_seq: int) -> Message | None: ...


class Unread(Protocol):
    """The read model of unread counts: one counter per (user, conversation), kept on write."""

    def add(self, user_id: str, conversation_id: str, count: int = 1) -> None: ...

    def set(self, user_id: str, conversation_id: str, count: int) -> None: ...

    def of(self, user_id: str, conversation_ids: Sequence[str]) -> dict[str, int]: ...

    def total(self, user_id: str) -> int: ...


class Blocks(Protocol):
    def add(self, block: Block) -> None: ...

    def remove(self, blocker_id: str, blocked_id: str) -> None: ...

    def between(self, a: str, b: str) -> bool:
        """Has either of the two blocked the other?"""
        ...

    def blocked_by(self, blocker_id: str, blocked_id: str) -> bool: ...

    def of(self, blocker_id: str) -> list[Block]: ...


class Reports(Protocol):
    def add(self, report: Report) -> None: ...

    def get(self, report_id: str) -> Report | None: ...

    def save(self, report: Report) -> bool:
        """Save a resolution; False when the report was resolved already."""
        ...

    def page(
        self, status: ReportStatus | None, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Report]: ...


class PendingImages(Protocol):
    def add(self, image: PendingImage) -> None: ...

    def get_many(
        self, conversation_id: str, uploader_id: str, image_ids: Iterable[str]
    ) -> list[PendingImage]: ...


class RateCounter(Protocol):
    def hit(self, key: str, *, expires_at: datetime) -> int:
        """Count one more under ``key`` (kept until ``expires_at``); returns the count now."""
        ...


class ConnectionStore(Protocol):
    def add(self, connection: Connection) -> None: ...

    def remove(self, connection_id: str) -> None: ...

    def get(self, connection_id: str) -> Connection | None: ...

    def of_user(self, user_id: str, *, now: int) -> list[Connection]:
        """The user's connections that have not expired (by the by-user index, never a scan)."""
        ...


class Pusher(Protocol):
    def push(self, connection_id: str, frame: dict[str, Any]) -> bool:
        """Send one frame to one connection: False when the connection is gone (410)."""
        ...


@dataclass(frozen=True)
class OrderParties:
    order_id: str
    buyer_id: str
    seller_id: str
    listing_id: str | None
    title: str


class OrderDirectory(Protocol):
    def parties(self, order_id: str) -> OrderParties | None: ...

    def have_order(self, a: str, b: str) -> bool:
        """Is there a paid (or later) order between the two, either way round?"""
        ...


@dataclass(frozen=True)
class ListingSubject:
    listing_id: str
    seller_id: str
    title: str


class ListingDirectory(Protocol):
    def get(self, listing_id: str) -> ListingSubject | None: ...


class People(Protocol):
    def public_names(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Each user's public name (never an email or a phone number)."""
        ...

    def exists(self, user_id: str) -> bool: ...


class NoticeTimer(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> bool:
        """Start the missed-message machine named ``name`` (False: it exists already)."""
        ...
