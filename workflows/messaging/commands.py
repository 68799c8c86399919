"""What the messaging routes and WebSocket frames parse."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from workflows.messaging.model import MAX_BODY_CHARS, MAX_IMAGES_PER_MESSAGE, ReportReason, ReportResolution
from workflows.shared.commands import Command
from workflows.shared.fields import MULTI_LINE, SingleLineText


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


#: plain text, 1-2,000 characters, not only whitespace, no control characters but tab and newlines
Body = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_BODY_CHARS),
    AfterValidator(_not_blank),
    MULTI_LINE,
]
_ID = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class StartConversation(Command):
    """``POST /conversations``: ask the seller about a listing (asking again appends)."""

    listing_id: _ID
    body: Body


class SendMessage(Command):
    """``POST /conversations/{id}/messages``."""

    body: Body
    image_ids: list[_ID] = Field(default_factory=list, max_length=MAX_IMAGES_PER_MESSAGE)


class MarkRead(Command):
    """``POST /conversations/{id}/read``: the caller has read up to this message (included)."""

    up_to: _ID


class RequestMessageImage(Command):
    """``POST /conversations/{id}/images``: a presigned upload for one image of a message."""

    content_type: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    size: int = Field(ge=1, le=2**31)


class ReportConversation(Command):
    reason: ReportReason
    comment: Annotated[SingleLineText, StringConstraints(max_length=1000)] | None = None


class ResolveReport(Command):
    resolution: ReportResolution
    note: Annotated[SingleLineText, StringConstraints(max_length=1000)] | None = None


# -- WebSocket frames (``$request.body.action`` picks the route) ------------------------------


class SendMessageFrame(Command):
    action: Literal["sendMessage"]
    conversation_id: _ID
    body: Body
    image_ids: list[_ID] = Field(default_factory=list, max_length=MAX_IMAGES_PER_MESSAGE)
    #: the client's own id for this send: the idempotency key (a re-sent frame posts once)
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None


class MarkReadFrame(Command):
    action: Literal["markRead"]
    conversation_id: _ID
    up_to: _ID


class TypingFrame(Command):
    action: Literal["typing"]
    conversation_id: _ID
