"""Messaging's domain events (source ``resale.messaging``); ids derived from the business key.

No body travels on the bus: a consumer that needs the text reads it from the store, for the
participants it may show it to.
"""

from __future__ import annotations

from typing import ClassVar

from workflows.shared.events import DomainEvent


class MessagingEvent(DomainEvent):
    source: ClassVar[str] = "resale.messaging"

    conversation_id: str


class MessageSent(MessagingEvent):
    message_id: str
    sender_id: str
    recipient_id: str
    masked: bool


class ConversationReported(MessagingEvent):
    report_id: str
    reporter_id: str
    reason: str


#: every messaging event, by detail-type (their JSON Schemas are in ``schemas/``)
MESSAGING_EVENTS: dict[str, type[MessagingEvent]] = {
    kind.detail_type(): kind for kind in (MessageSent, ConversationReported)
}
