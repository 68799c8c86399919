"""In-memory stand-ins for the messaging service's ports (hand-written fakes, no mocks)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from workflows.messaging.ports import ListingSubject, OrderParties

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
    )
    from workflows.shared.waits import OutsideEvent


class Conversations:
    def __init__(self) -> None:
        self.rows: dict[str, Conversation] = {}
        self.until: dict[tuple[str, str], datetime] = {}

    def get(self, conversation_id: str) -> Conversation | None:
        return self.rows.get(conversation_id)

    def add(self, conversation: Conversation) -> Conversation:
        return self.rows.setdefault(conversation.id, conversation)

    def of_user(self, user_id: str, *, limit: int, before: Any) -> list[Conversation]:
        mine = [c for c in self.rows.values() if c.has(user_id) and c.last_message is not None]
        mine.sort(key=lambda c: (c.last_message_at, c.id), reverse=True)
        if before is not None:
            mine = [c for c in mine if (c.last_message_at, c.id) < before]
        return mine[:limit]

    def next_seq(self, conversation_id: str) -> int:
        c = self.rows[conversation_id]
        self.rows[conversation_id] = replace(c, message_count=c.message_count + 1)
        return c.message_count + 1

    def record_last(self, conversation_id: str, last: LastMessage, seq: int) -> None:
        c = self.rows[conversation_id]
        self.rows[conversation_id] = replace(c, last_message=last, last_message_at=last.created_at)

    def set_read(self, conversation_id: str, user_id: str, seq: int) -> int:
        c = self.rows[conversation_id]
        marker = max(c.read_up_to.get(user_id, 0), seq)
        self.rows[conversation_id] = replace(c, read_up_to={**c.read_up_to, user_id: marker})
        return marker

    def claim_notice(
        self, conversation_id: str, user_id: str, claim: NoticeClaim, *, now: datetime, until: datetime
    ) -> bool:
        c = self.rows[conversation_id]
        running = self.until.get((conversation_id, user_id))
        if user_id in c.notices and running is not None and running >= now:
            return False
        self.until[(conversation_id, user_id)] = until
        self.rows[conversation_id] = replace(c, notices={**c.notices, user_id: claim})
        return True

    def release_notice(self, conversation_id: str, user_id: str) -> None:
        c = self.rows[conversation_id]
        self.rows[conversation_id] = replace(c, notices={k: v for k, v in c.notices.items() if k != user_id})


class Messages:
    def __init__(self) -> None:
        self.rows: dict[str, Message] = {}

    def get(self, message_id: str) -> Message | None:
        return self.rows.get(message_id)

    def add(self, message: Message) -> bool:
        if message.id in self.rows:
            return False
        self.rows[message.id] = message
        return True

    def _of(self, conversation_id: str) -> list[Message]:
        return sorted(
            (m for m in self.rows.values() if m.conversation_id == conversation_id), key=lambda m: m.seq
        )

    def page(
        self, conversation_id: str, *, limit: int, after_seq: int | None, ascending: bool
    ) -> list[Message]:
        found = self._of(conversation_id)
        if not ascending:
            found.reverse()
        if after_seq is not None:
            found = [m for m in found if (m.seq > after_seq if ascending else m.seq < after_seq)]
        return found[:limit]

    def count_from_after(self, conversation_id: str, sender_id: str, after_seq: int) -> int:
        return sum(1 for m in self._of(conversation_id) if m.sender_id == sender_id and m.seq > after_seq)

    def first_from_after(self, conversation_id: str, sender_id: str, after_seq: int) -> Message | None:
        return next(
            (m for m in self._of(conversation_id) if m.sender_id == sender_id and m.seq > after_seq), None
        )


class Unread:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def add(self, user_id: str, conversation_id: str, count: int = 1) -> None:
        self.counts[(user_id, conversation_id)] = self.counts.get((user_id, conversation_id), 0) + count

    def set(self, user_id: str, conversation_id: str, count: int) -> None:
        self.counts[(user_id, conversation_id)] = count

    def of(self, user_id: str, conversation_ids: Sequence[str]) -> dict[str, int]:
        return {c: self.counts[(user_id, c)] for c in conversation_ids if (user_id, c) in self.counts}

    def total(self, user_id: str) -> int:
        return sum(n for (u, _), n in self.counts.items() if u == user_id)


class Blocks:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Block] = {}

    def add(self, block: Block) -> None:
        self.rows.setdefault((block.blocker_id, block.blocked_id), block)

    def remove(self, blocker_id: str, blocked_id: str) -> None:
        self.rows.pop((blocker_id, blocked_id), None)

    def between(self, a: str, b: str) -> bool:
        return (a, b) in self.rows or (b, a) in self.rows

    def blocked_by(self, blocker_id: str, blocked_id: str) -> bool:
        return (blocker_id, blocked_id) in self.rows

    def of(self, blocker_id: str) -> list[Block]:
        return [b for (who, _), b in self.rows.items() if who == blocker_id]


class Reports:
    def __init__(self) -> None:
        self.rows: dict[str, Report] = {}

    def add(self, report: Report) -> None:
        self.rows.setdefault(report.id, report)

    def get(self, report_id: str) -> Report | None:
        return self.rows.get(report_id)

    def save(self, report: Report) -> bool:
        if self.rows[report.id].status != "open":
            return False
        self.rows[report.id] = report
        return True

    def page(self, status: Any, *, limit: int, before: Any) -> list[Report]:
        return [r for r in self.rows.values() if status is None or r.status == status][:limit]


class PendingImages:
    def __init__(self) -> None:
        self.rows: dict[str, PendingImage] = {}

    def add(self, image: PendingImage) -> None:
        self.rows[image.image_id] = image

    def get_many(
        self, conversation_id: str, uploader_id: str, image_ids: Iterable[str]
    ) -> list[PendingImage]:
        return [
            i
            for i in (self.rows.get(x) for x in image_ids)
            if i is not None and i.conversation_id == conversation_id and i.uploader_id == uploader_id
        ]


class Rates:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def hit(self, key: str, *, expires_at: datetime) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


class Connections:
    def __init__(self) -> None:
        self.rows: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        self.rows[connection.connection_id] = connection

    def remove(self, connection_id: str) -> None:
        self.rows.pop(connection_id, None)

    def get(self, connection_id: str) -> Connection | None:
        return self.rows.get(connection_id)

    def of_user(self, user_id: str, *, now: int) -> list[Connection]:
        return [c for c in self.rows.values() if c.user_id == user_id and c.expires_at > now]


class Pusher:
    """Sockets by connection id: a frame pushed to an id not open is 'gone'."""

    def __init__(self) -> None:
        self.open: set[str] = set()
        self.frames: list[tuple[str, dict[str, Any]]] = []

    def push(self, connection_id: str, frame: dict[str, Any]) -> bool:
        if connection_id not in self.open:
            return False
        self.frames.append((connection_id, frame))
        return True

    def to(self, connection_id: str) -> list[dict[str, Any]]:
        return [f for c, f in self.frames if c == connection_id]


@dataclass
class Orders:
    between: set[frozenset[str]] = field(default_factory=set)
    orders: dict[str, OrderParties] = field(default_factory=dict)

    def parties(self, order_id: str) -> OrderParties | None:
        return self.orders.get(order_id)

    def have_order(self, a: str, b: str) -> bool:
        return frozenset({a, b}) in self.between


@dataclass
class Listings:
    rows: dict[str, ListingSubject] = field(default_factory=dict)

    def get(self, listing_id: str) -> ListingSubject | None:
        return self.rows.get(listing_id)


@dataclass
class People:
    names: dict[str, str] = field(default_factory=dict)

    def public_names(self, user_ids: Iterable[str]) -> dict[str, str]:
        return {u: self.names.get(u, "A Resale member") for u in user_ids}

    def exists(self, user_id: str) -> bool:
        return user_id in self.names


@dataclass
class Timer:
    started: dict[str, dict[str, Any]] = field(default_factory=dict)

    def start(self, name: str, payload: dict[str, Any]) -> bool:
        if name in self.started:
            return False
        self.started[name] = payload
        return True


@dataclass
class Published:
    items: list[Any] = field(default_factory=list)

    def publish(self, *items: Any) -> None:
        self.items.extend(items)


@dataclass
class Waits:
    """The waits table and the responder at once: tokens parked, events delivered."""

    tokens: dict[str, str] = field(default_factory=dict)
    early: dict[str, OutsideEvent] = field(default_factory=dict)
    resumed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def park_token(self, correlation_id: str, task_token: str, expires_at: int) -> OutsideEvent | None:
        self.tokens[correlation_id] = task_token
        return self.early.pop(correlation_id, None)

    def take_token_or_park_event(self, event: OutsideEvent, expires_at: int) -> str | None:
        token = self.tokens.pop(event.correlation_id, None)
        if token is None:
            self.early[event.correlation_id] = event
        return token

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        self.resumed.append((task_token, output))
        return True
