"""Messaging: conversations and messages, live delivery, safety, and the missed-message notice.

The REST API and the WebSocket routes call the same :class:`MessagingService`, so a message
posted either way is stored once (MongoDB), counted once in the unread read model, and pushed
to every open connection of the recipient and of the sender's other devices. The REST API
stays the source of truth: a client that missed frames catches up by reading.

Who sees what: only the conversation's two participants; anyone else is told it does not exist.
Before an order exists between the two, contact details in a body are masked for the recipient
(:mod:`workflows.messaging.masking`); the sender keeps their text and is told. Messages are
limited per sender per minute and per day; a block (either way) stops every message between
the two and any new conversation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from workflows.messaging import ratelimits
from workflows.messaging.contracts import WAIT_PREFIX, NoticeSent
from workflows.messaging.errors import (
    Blocked,
    CannotBlockYourself,
    CannotMessageYourself,
    ConversationNotFound,
    MessageImageNotFound,
    MessageImageNotUploaded,
    MessageNotFound,
    MessagingUserNotFound,
    ReportAlreadyResolved,
    ReportNotFound,
    UnsupportedMessageImage,
)
from workflows.messaging.events import ConversationReported, MessageSent
from workflows.messaging.live import LiveChannel
from workflows.messaging.masking import mask
from workflows.messaging.model import (
    Block,
    Connection,
    Conversation,
    LastMessage,
    Message,
    MessageImage,
    NoticeClaim,
    PendingImage,
    Report,
)
from workflows.messaging.orders import order_conversation_key
from workflows.messaging.views import (
    BlockPage,
    BlockView,
    ConversationPage,
    ConversationStarted,
    ConversationView,
    LastMessageView,
    MessageImageUploadForm,
    MessageImageUploadView,
    MessagePage,
    MessageView,
    OtherPartyView,
    ReadMarkerView,
    ReportPage,
    ReportView,
)
from workflows.notifications.model import Notification
from workflows.orders.errors import OrderNotFound
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import IdempotencyKeyReused, InvalidCursor
from workflows.shared.ids import derived_id, new_id
from workflows.shared.waits import OutsideEvent, deliver_event

if TYPE_CHECKING:
    from workflows.catalog.ports import ImageStore
    from workflows.messaging.commands import (
        MarkRead,
        ReportConversation,
        RequestMessageImage,
        ResolveReport,
        SendMessage,
        StartConversation,
    )
    from workflows.messaging.model import ReportStatus
    from workflows.messaging.ports import (
        Blocks,
        ConnectionStore,
        Conversations,
        ListingDirectory,
        Messages,
        NoticeTimer,
        OrderDirectory,
        PendingImages,
        People,
        Pusher,
        RateCounter,
        Reports,
        Unread,
    )
    from workflows.notifications.model import NotificationPublisher
    from workflows.shared.clock import Clock
    from workflows.shared.events import EventPublisher
    from workflows.shared.identity import Caller
    from workflows.shared.waits import TaskResponder, WaitingTasks

#: API Gateway closes a WebSocket connection after two hours at most
CONNECTION_LIFETIME_S = 7_200
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
UPLOAD_EXPIRES_S = 900
#: the first line of a message, as a notice quotes it
FIRST_LINE_CHARS = 140
MAX_LIMIT = 100


_DEFAULT_LIMITS = ratelimits.Limits()


@dataclass(frozen=True)
class Policy:
    limits: ratelimits.Limits = _DEFAULT_LIMITS
    #: how long a recipient with no open connection has to read a message before being told
    notice_delay_s: int = 900


_DEFAULT_POLICY = Policy()


@dataclass
class MessagingDeps:
    conversations: Conversations
    messages: Messages
    unread: Unread
    blocks: Blocks
    reports: Reports
    images: PendingImages
    rates: RateCounter
    connections: ConnectionStore
    pusher: Pusher
    orders: OrderDirectory
    listings: ListingDirectory
    people: People
    timer: NoticeTimer
    notifications: NotificationPublisher
    events: EventPublisher
    clock: Clock
    #: the quiet periods' waits: a read marker resumes the one running for the reader
    waits: WaitingTasks
    responder: TaskResponder
    bucket: ImageStore | None = None
    policy: Policy = _DEFAULT_POLICY


@dataclass(frozen=True)
class Posted:
    """A message stored (or found again, for a retried send) and what became of its delivery."""

    message: Message
    created: bool
    view: MessageView


def _hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class MessagingService:
    def __init__(self, deps: MessagingDeps) -> None:
        self._d = deps
        self._live = LiveChannel(deps.connections, deps.pusher, deps.clock)

    def _now(self) -> datetime:
        """The clock's time in whole milliseconds: what MongoDB keeps, so that what a write
        answers and what a later read answers are the same moment."""
        now = self._d.clock.now()
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    # ------------------------------------------------------------------ conversations

    def start_about_listing(
        self, caller: Caller, command: StartConversation, idempotency_key: str | None = None
    ) -> ConversationStarted:
        """Ask the seller about a listing: one conversation per (listing, buyer), appended to."""
        d = self._d
        listing = d.listings.get(command.listing_id)
        if listing is None:
            from workflows.catalog.errors import ListingNotFound

            raise ListingNotFound("No listing has this id.", details={"listing_id": command.listing_id})
        if listing.seller_id == caller.user_id:
            raise CannotMessageYourself("This is your own listing: there is no one to ask.")
        conversation_id = derived_id("conversation", "listing", listing.listing_id, caller.user_id)
        conversation = d.conversations.get(conversation_id)
        if conversation is None:
            if d.blocks.between(caller.user_id, listing.seller_id):
                raise Blocked("You cannot start a conversation with this user.")
            now = self._now()
            conversation = d.conversations.add(
                Conversation(
                    id=conversation_id,
                    about="listing",
                    buyer_id=caller.user_id,
                    seller_id=listing.seller_id,
                    listing_id=listing.listing_id,
                    order_id=None,
                    title=listing.title,
                    created_at=now,
                    last_message_at=now,
                )
            )
        posted = self._post(
            conversation,
            caller.user_id,
            command.body,
            (),
            idempotency_key=idempotency_key,
            from_connection=None,
        )
        fresh = d.conversations.get(conversation_id) or conversation
        view = self._conversation_view(fresh, caller.user_id)
        return ConversationStarted(**view.model_dump(), message=posted.view)

    def conversation_for_order(self, caller: Caller, order_id: str) -> ConversationView:
        """The order's conversation between its buyer and its seller, created on first ask."""
        d = self._d
        parties = d.orders.parties(order_id)
        if parties is None or caller.user_id not in (parties.buyer_id, parties.seller_id):
            raise OrderNotFound("No such order.")
        conversation_id = order_conversation_key(order_id)
        conversation = d.conversations.get(conversation_id)
        if conversation is None:
            now = self._now()
            conversation = d.conversations.add(
                Conversation(
                    id=conversation_id,
                    about="order",
                    buyer_id=parties.buyer_id,
                    seller_id=parties.seller_id,
                    listing_id=parties.listing_id,
                    order_id=order_id,
                    title=parties.title,
                    created_at=now,
                    last_message_at=now,
                )
            )
        return self._conversation_view(conversation, caller.user_id)

    def list_conversations(self, caller: Caller, *, limit: int, cursor: str | None) -> ConversationPage:
        before = decode_cursor(cursor) if cursor else None
        found = self._d.conversations.of_user(caller.user_id, limit=limit + 1, before=before)
        page, more = found[:limit], len(found) > limit
        names = self._d.people.public_names({c.other(caller.user_id) for c in page})
        unread = self._d.unread.of(caller.user_id, [c.id for c in page])
        items = [self._conversation_view(c, caller.user_id, names=names, unread=unread) for c in page]
        last = page[-1] if page else None
        return ConversationPage(
            items=items,
            next_cursor=encode_cursor(last.last_message_at, last.id) if more and last else None,
        )

    def get_conversation(self, caller: Caller, conversation_id: str) -> ConversationView:
        return self._conversation_view(self._visible(caller.user_id, conversation_id), caller.user_id)

    def messages(
        self, caller: Caller, conversation_id: str, *, limit: int, cursor: str | None, ascending: bool
    ) -> MessagePage:
        """The conversation's messages, newest first (or oldest first), ``limit`` per page."""
        self._visible(caller.user_id, conversation_id)
        after = _seq_cursor(cursor) if cursor else None
        found = self._d.messages.page(conversation_id, limit=limit + 1, after_seq=after, ascending=ascending)
        page, more = found[:limit], len(found) > limit
        return MessagePage(
            items=[self._message_view(m, caller.user_id) for m in page],
            next_cursor=encode_cursor(page[-1].created_at, str(page[-1].seq)) if more and page else None,
        )

    def unread_total(self, user_id: str) -> int:
        return self._d.unread.total(user_id)

    # ------------------------------------------------------------------ messages

    def send(
        self,
        caller: Caller,
        conversation_id: str,
        command: SendMessage,
        idempotency_key: str | None = None,
        *,
        from_connection: str | None = None,
    ) -> Posted:
        conversation = self._visible(caller.user_id, conversation_id)
        return self._post(
            conversation,
            caller.user_id,
            command.body,
            tuple(command.image_ids),
            idempotency_key=idempotency_key,
            from_connection=from_connection,
        )

    def _post(
        self,
        conversation: Conversation,
        sender_id: str,
        body: str,
        image_ids: tuple[str, ...],
        *,
        idempotency_key: str | None,
        from_connection: str | None,
    ) -> Posted:
        d = self._d
        request_hash = _hash({"conversation_id": conversation.id, "body": body, "image_ids": list(image_ids)})
        if idempotency_key:
            message_id = derived_id("message", sender_id, idempotency_key)
            existing = d.messages.get(message_id)
            if existing is not None:
                return self._replay(existing, request_hash, sender_id)
        else:
            message_id = new_id()
        recipient_id = conversation.other(sender_id)
        if d.blocks.between(sender_id, recipient_id):
            raise Blocked("Messages between you and this user are blocked.")
        images = self._images(conversation.id, sender_id, image_ids)
        now = self._now()
        ratelimits.take(d.rates, d.policy.limits, sender_id, now)
        masked = None if d.orders.have_order(sender_id, recipient_id) else mask(body)
        seq = d.conversations.next_seq(conversation.id)
        message = Message(
            id=message_id,
            conversation_id=conversation.id,
            seq=seq,
            sender_id=sender_id,
            body=body,
            masked_body=masked.text if masked is not None and masked.changed else None,
            masked_kinds=masked.kinds if masked is not None else (),
            images=images,
            created_at=now,
            request_hash=request_hash,
        )
        if not d.messages.add(message):  # a concurrent retry with the same key stored it first
            stored = d.messages.get(message_id)
            if stored is None:
                raise RuntimeError(f"message {message_id} is neither new nor stored")
            return self._replay(stored, request_hash, sender_id)
        # counted unread before it can be seen (a read marker set on the frame then counts it),
        # then pushed at once; the inbox's summary and the bus follow (REST stays the truth)
        d.unread.add(recipient_id, conversation.id)
        reached = self._push_message(message, conversation, from_connection)
        d.conversations.record_last(
            conversation.id,
            LastMessage(
                message_id=message.id,
                sender_id=sender_id,
                body=body,
                masked_body=message.masked_body,
                created_at=now,
            ),
            seq,
        )
        d.events.publish(
            MessageSent(
                event_id=derived_id("MessageSent", message.id),
                occurred_at=now,
                conversation_id=conversation.id,
                message_id=message.id,
                sender_id=sender_id,
                recipient_id=recipient_id,
                masked=message.masked_body is not None,
            )
        )
        if recipient_id not in reached:
            self._start_quiet_period(conversation.id, recipient_id, seq)
        return Posted(message, created=True, view=self._message_view(message, sender_id))

    def _replay(self, existing: Message, request_hash: str, sender_id: str) -> Posted:
        if existing.request_hash != request_hash or existing.sender_id != sender_id:
            raise IdempotencyKeyReused("This Idempotency-Key was used with a different request body.")
        return Posted(existing, created=False, view=self._message_view(existing, sender_id))

    def _images(
        self, conversation_id: str, sender_id: str, image_ids: tuple[str, ...]
    ) -> tuple[MessageImage, ...]:
        if not image_ids:
            return ()
        found = {p.image_id: p for p in self._d.images.get_many(conversation_id, sender_id, image_ids)}
        missing = [i for i in image_ids if i not in found]
        if missing:
            raise MessageImageNotFound(
                "No upload was requested for these images in this conversation.",
                details={"image_ids": missing},
            )
        bucket = self._bucket()
        out = []
        for image_id in dict.fromkeys(image_ids):
            pending = found[image_id]
            stored = bucket.head(pending.key)
            if stored is None:
                raise MessageImageNotUploaded(
                    "An image has not been uploaded yet; upload it, then send.",
                    details={"image_id": image_id},
                )
            out.append(MessageImage(image_id, pending.key, pending.content_type, int(stored.size)))
        return tuple(out)

    def request_image(
        self, caller: Caller, conversation_id: str, command: RequestMessageImage
    ) -> MessageImageUploadView:
        """A presigned upload for one image (JPEG, PNG or WebP, size-limited) of a later message."""
        self._visible(caller.user_id, conversation_id)
        content_type = command.content_type.lower()
        extension = IMAGE_TYPES.get(content_type)
        if extension is None:
            raise UnsupportedMessageImage(
                f"Images must be JPEG, PNG or WebP; {command.content_type!r} is not accepted.",
                details={"allowed": sorted(IMAGE_TYPES)},
            )
        if command.size > MAX_IMAGE_BYTES:
            raise UnsupportedMessageImage(
                f"An image may be at most {MAX_IMAGE_BYTES} bytes.", details={"max_size": MAX_IMAGE_BYTES}
            )
        image_id = new_id()
        key = f"messages/{conversation_id}/{image_id}.{extension}"
        ticket = self._bucket().upload_ticket(key, content_type, command.size, UPLOAD_EXPIRES_S)
        self._d.images.add(
            PendingImage(
                image_id=image_id,
                conversation_id=conversation_id,
                uploader_id=caller.user_id,
                key=key,
                content_type=content_type,
                size=command.size,
                expires_at=self._d.clock.now() + timedelta(seconds=UPLOAD_EXPIRES_S),
            )
        )
        return MessageImageUploadView(
            image_id=image_id,
            upload=MessageImageUploadForm(url=ticket.url, method=ticket.method, fields=ticket.fields),
            expires_at=ticket.expires_at,
        )

    def mark_read(
        self, caller: Caller, conversation_id: str, command: MarkRead, *, from_connection: str | None = None
    ) -> ReadMarkerView:
        """The caller has read up to ``up_to`` (a marker only moves forward); their unread count
        is what the other party sent after it."""
        d = self._d
        conversation = self._visible(caller.user_id, conversation_id)
        message = d.messages.get(command.up_to)
        if message is None or message.conversation_id != conversation_id:
            raise MessageNotFound("No message with this id in this conversation.")
        marker = d.conversations.set_read(conversation_id, caller.user_id, message.seq)
        claim = conversation.notices.get(caller.user_id)
        if claim is not None and marker >= claim.since_seq:
            self._end_quiet_period(claim, marker)
        other = conversation.other(caller.user_id)
        unread = d.messages.count_from_after(conversation_id, other, marker)
        d.unread.set(caller.user_id, conversation_id, unread)
        frame = {
            "type": "message.read",
            "conversation_id": conversation_id,
            "reader_id": caller.user_id,
            "up_to": message.id,
        }
        self._push({other: frame, caller.user_id: frame}, exclude=from_connection)
        return ReadMarkerView(conversation_id=conversation_id, up_to=message.id, unread_count=unread)

    def typing(self, caller: Caller, conversation_id: str, *, from_connection: str | None = None) -> None:
        conversation = self._visible(caller.user_id, conversation_id)
        other = conversation.other(caller.user_id)
        if self._d.blocks.between(caller.user_id, other):
            raise Blocked("Messages between you and this user are blocked.")
        frame = {"type": "typing", "conversation_id": conversation_id, "user_id": caller.user_id}
        self._push({other: frame}, exclude=from_connection)

    # ------------------------------------------------------------------ live delivery

    def connect(self, user_id: str, connection_id: str) -> Connection:
        now = int(self._d.clock.now().timestamp())
        connection = Connection(
            connection_id=connection_id,
            user_id=user_id,
            connected_at=now,
            expires_at=now + CONNECTION_LIFETIME_S,
        )
        self._d.connections.add(connection)
        return connection

    def disconnect(self, connection_id: str) -> None:
        self._d.connections.remove(connection_id)

    def user_of_connection(self, connection_id: str) -> str | None:
        found = self._d.connections.get(connection_id)
        now = int(self._d.clock.now().timestamp())
        return found.user_id if found is not None and found.expires_at > now else None

    def reply(self, connection_id: str, frame: dict[str, Any]) -> None:
        """A frame for the connection that sent a request (an acknowledgement, an error)."""
        if not self._d.pusher.push(connection_id, frame):
            self._d.connections.remove(connection_id)

    def _push_message(
        self, message: Message, conversation: Conversation, from_connection: str | None
    ) -> set[str]:
        frames = {
            user_id: {
                "type": "message.created",
                "conversation_id": conversation.id,
                "message": self._message_view(message, user_id).model_dump(mode="json"),
            }
            # the recipient first: their frame is the one a conversation waits for
            for user_id in (conversation.other(message.sender_id), message.sender_id)
        }
        return self._push(frames, exclude=from_connection)

    def _push(self, frames: dict[str, dict[str, Any]], *, exclude: str | None) -> set[str]:
        """Each user's frame to each of their open connections but ``exclude`` (the one that
        sent the request); a connection found gone (410) is removed. Returns the users reached."""
        return self._live.push(frames, exclude=exclude)

    # ------------------------------------------------------------------ missed messages

    def _start_quiet_period(self, conversation_id: str, recipient_id: str, seq: int) -> None:
        """The recipient was not reached live: unless a quiet period runs for them already, one
        starts (a missed-message execution waiting ``notice_delay_s`` on the clock)."""
        d = self._d
        delay = d.policy.notice_delay_s
        now = d.clock.now()
        claim = NoticeClaim(derived_id("missed-message", conversation_id, recipient_id, str(seq)), seq)
        # the claim lapses on its own a day after it was due, should the notice never come
        if not d.conversations.claim_notice(
            conversation_id, recipient_id, claim, now=now, until=now + timedelta(seconds=delay + 86_400)
        ):
            return
        d.timer.start(
            f"missed-{claim.wait_key}",
            {
                "conversation_id": conversation_id,
                "recipient_id": recipient_id,
                "since_seq": seq,
                "delay_s": delay,
                "wait_key": claim.wait_key,
            },
        )

    def _end_quiet_period(self, claim: NoticeClaim, marker: int) -> None:
        """The recipient read what the quiet period is about: its wait is resumed (no notice)."""
        now = int(self._d.clock.now().timestamp())
        event = OutsideEvent(
            event_id=derived_id("message-read", claim.wait_key, str(marker)),
            event_type="message.read",
            correlation_id=f"{WAIT_PREFIX}:{claim.wait_key}",
            occurred_at=now,
        )
        deliver_event(self._d.waits, self._d.responder, event, now=now)

    def send_missed_notice(self, conversation_id: str, recipient_id: str, since_seq: int) -> NoticeSent:
        """State "Send Missed Notice": tell the recipient of what they have not read, unless they
        read it or are connected now. The quiet period ends either way."""
        d = self._d
        conversation = d.conversations.get(conversation_id)
        if conversation is None or not conversation.has(recipient_id):
            return NoticeSent(outcome="gone", unread_count=0)
        try:
            marker = conversation.read_up_to.get(recipient_id, 0)
            sender_id = conversation.other(recipient_id)
            unread = d.messages.count_from_after(conversation_id, sender_id, marker)
            if marker >= since_seq or unread == 0:
                return NoticeSent(outcome="read", unread_count=unread)
            if d.connections.of_user(recipient_id, now=int(d.clock.now().timestamp())):
                return NoticeSent(outcome="online", unread_count=unread)
            first = d.messages.first_from_after(conversation_id, sender_id, marker)
            if first is None:
                return NoticeSent(outcome="read", unread_count=0)
            name = d.people.public_names([sender_id]).get(sender_id, "A Resale member")
            lines = first.body_for(recipient_id).strip().splitlines()
            first_line = lines[0] if lines else ""
            if len(first_line) > FIRST_LINE_CHARS:
                first_line = first_line[: FIRST_LINE_CHARS - 1].rstrip() + "…"
            d.notifications.publish(
                Notification(
                    notification_id=derived_id(
                        "missed-message", conversation_id, recipient_id, str(since_seq)
                    ),
                    type="messages.missed_message",
                    category="messages",
                    channels=("email", "sms"),
                    user_id=recipient_id,
                    data={
                        "sender_name": name,
                        "first_line": first_line,
                        "unread_count": unread,
                        "title": conversation.title,
                        "conversation_id": conversation_id,
                    },
                    reference=f"conversation:{conversation_id}",
                )
            )
            return NoticeSent(outcome="notified", unread_count=unread)
        finally:
            d.conversations.release_notice(conversation_id, recipient_id)

    # ------------------------------------------------------------------ blocks

    def block(self, caller: Caller, user_id: str) -> BlockView:
        if user_id == caller.user_id:
            raise CannotBlockYourself("You cannot block yourself.")
        if not self._d.people.exists(user_id):
            raise MessagingUserNotFound("No user has this id.")
        block = Block(blocker_id=caller.user_id, blocked_id=user_id, created_at=self._now())
        self._d.blocks.add(block)
        stored = next((b for b in self._d.blocks.of(caller.user_id) if b.blocked_id == user_id), block)
        return BlockView(user_id=user_id, blocked_at=stored.created_at)

    def unblock(self, caller: Caller, user_id: str) -> None:
        self._d.blocks.remove(caller.user_id, user_id)

    def blocked(self, caller: Caller) -> BlockPage:
        return BlockPage(
            items=[
                BlockView(user_id=b.blocked_id, blocked_at=b.created_at)
                for b in self._d.blocks.of(caller.user_id)
            ]
        )

    # ------------------------------------------------------------------ reports

    def report(self, caller: Caller, conversation_id: str, command: ReportConversation) -> ReportView:
        """A participant reports the conversation (once: reporting again answers the same report)."""
        self._visible(caller.user_id, conversation_id)
        report_id = derived_id("message-report", conversation_id, caller.user_id)
        existing = self._d.reports.get(report_id)
        if existing is not None and existing.status == "open":
            return ReportView.of(existing)
        now = self._now()
        report = Report(
            id=report_id if existing is None else derived_id("message-report", report_id, now.isoformat()),
            conversation_id=conversation_id,
            reporter_id=caller.user_id,
            reason=command.reason,
            comment=command.comment,
            status="open",
            created_at=now,
        )
        self._d.reports.add(report)
        self._d.events.publish(
            ConversationReported(
                event_id=derived_id("ConversationReported", report.id),
                occurred_at=now,
                conversation_id=conversation_id,
                report_id=report.id,
                reporter_id=caller.user_id,
                reason=command.reason,
            )
        )
        return ReportView.of(report)

    def list_reports(
        self, caller: Caller, *, status: ReportStatus | None, limit: int, cursor: str | None
    ) -> ReportPage:
        caller.require("admin")
        before = decode_cursor(cursor) if cursor else None
        found = self._d.reports.page(status, limit=limit + 1, before=before)
        page, more = found[:limit], len(found) > limit
        return ReportPage(
            items=[ReportView.of(r) for r in page],
            next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if more and page else None,
        )

    def resolve_report(self, caller: Caller, report_id: str, command: ResolveReport) -> ReportView:
        caller.require("admin")
        report = self._d.reports.get(report_id)
        if report is None:
            raise ReportNotFound("No report has this id.")
        if report.status == "resolved":
            if report.resolution == command.resolution and report.note == command.note:
                return ReportView.of(report)  # the same resolution again
            raise ReportAlreadyResolved("This report was resolved already.")
        resolved = replace(
            report,
            status="resolved",
            resolution=command.resolution,
            note=command.note,
            resolved_by=caller.user_id,
            resolved_at=self._now(),
        )
        if not self._d.reports.save(resolved):
            raise ReportAlreadyResolved("This report was resolved already.")
        return ReportView.of(resolved)

    # ------------------------------------------------------------------ reading

    def _visible(self, user_id: str, conversation_id: str) -> Conversation:
        conversation = self._d.conversations.get(conversation_id)
        if conversation is None or not conversation.has(user_id):
            raise ConversationNotFound("No such conversation.")
        return conversation

    def _bucket(self) -> ImageStore:
        if self._d.bucket is None:
            raise RuntimeError("messaging was wired without an image bucket")
        return self._d.bucket

    def _message_view(self, message: Message, viewer_id: str) -> MessageView:
        urls = {i.key: self._bucket().url(i.key) for i in message.images} if message.images else {}
        return MessageView.of(message, viewer_id, urls)

    def _conversation_view(
        self,
        conversation: Conversation,
        viewer_id: str,
        *,
        names: dict[str, str] | None = None,
        unread: dict[str, int] | None = None,
    ) -> ConversationView:
        other = conversation.other(viewer_id)
        if names is None:
            names = self._d.people.public_names([other])
        if unread is None:
            unread = self._d.unread.of(viewer_id, [conversation.id])
        last = conversation.last_message
        return ConversationView(
            conversation_id=conversation.id,
            about=conversation.about,
            listing_id=conversation.listing_id,
            order_id=conversation.order_id,
            title=conversation.title,
            other_party=OtherPartyView(
                user_id=other,
                public_name=names.get(other, "A Resale member"),
                role="seller" if other == conversation.seller_id else "buyer",
            ),
            last_message=(
                LastMessageView(
                    message_id=last.message_id,
                    sender_id=last.sender_id,
                    body=last.body_for(viewer_id),
                    created_at=last.created_at,
                )
                if last is not None
                else None
            ),
            unread_count=unread.get(conversation.id, 0),
            created_at=conversation.created_at,
            last_message_at=conversation.last_message_at,
        )


def _seq_cursor(cursor: str) -> int:
    _, seq = decode_cursor(cursor)
    if not seq.isdigit():
        raise InvalidCursor("The cursor is not one this API gave out.")
    return int(seq)
