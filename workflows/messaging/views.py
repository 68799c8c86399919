"""What the messaging API answers and what its WebSocket frames carry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from workflows.messaging.model import About, ReportReason, ReportResolution, ReportStatus  # noqa: TC001
from workflows.shared.views import Timestamp, View

if TYPE_CHECKING:
    from workflows.messaging.model import Message, Report


class MessageImageView(View):
    image_id: str
    url: str
    content_type: str
    size: int


class MessageView(View):
    message_id: str
    conversation_id: str
    sender_id: str
    #: the body as this viewer sees it (masked for the recipient before an order exists)
    body: str
    #: something in the body was masked for the recipient (shown to the sender, who keeps the text)
    masked: bool
    masked_kinds: list[str]
    images: list[MessageImageView]
    created_at: Timestamp

    @classmethod
    def of(cls, message: Message, viewer_id: str, image_url: dict[str, str]) -> MessageView:
        return cls(
            message_id=message.id,
            conversation_id=message.conversation_id,
            sender_id=message.sender_id,
            body=message.body_for(viewer_id),
            masked=message.masked_body is not None,
            masked_kinds=list(message.masked_kinds),
            images=[
                MessageImageView(
                    image_id=i.image_id, url=image_url[i.key], content_type=i.content_type, size=i.size
                )
                for i in message.images
            ],
            created_at=message.created_at,
        )


class LastMessageView(View):
    message_id: str
    sender_id: str
    body: str
    created_at: Timestamp


class OtherPartyView(View):
    user_id: str
    public_name: str
    role: Literal["buyer", "seller"]


class ConversationView(View):
    conversation_id: str
    about: About
    listing_id: str | None
    order_id: str | None
    title: str
    other_party: OtherPartyView
    last_message: LastMessageView | None
    unread_count: int
    created_at: Timestamp
    last_message_at: Timestamp


class ConversationStarted(ConversationView):
    """``POST /conversations``: the conversation and the message just posted."""

    message: MessageView


class ConversationPage(View):
    items: list[ConversationView]
    next_cursor: str | None


class MessagePage(View):
    items: list[MessageView]
    next_cursor: str | None


class ReadMarkerView(View):
    conversation_id: str
    up_to: str
    unread_count: int


class BlockView(View):
    user_id: str
    blocked_at: Timestamp


class BlockPage(View):
    items: list[BlockView]


class MessageImageUploadForm(View):
    url: str
    method: str
    fields: dict[str, str]


class MessageImageUploadView(View):
    image_id: str
    upload: MessageImageUploadForm
    expires_at: Timestamp


class ReportView(View):
    report_id: str
    conversation_id: str
    reporter_id: str
    reason: ReportReason
    comment: str | None
    status: ReportStatus
    resolution: ReportResolution | None
    note: str | None
    created_at: Timestamp
    resolved_at: Timestamp | None

    @classmethod
    def of(cls, report: Report) -> ReportView:
        return cls(
            report_id=report.id,
            conversation_id=report.conversation_id,
            reporter_id=report.reporter_id,
            reason=report.reason,
            comment=report.comment,
            status=report.status,
            resolution=report.resolution,
            note=report.note,
            created_at=report.created_at,
            resolved_at=report.resolved_at,
        )


class ReportPage(View):
    items: list[ReportView]
    next_cursor: str | None


class UnreadView(View):
    unread_messages: int
