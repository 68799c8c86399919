"""Buyer-seller messaging: ``/conversations``, ``/orders/{id}/conversation``,
``/me/blocked-users`` and, for admins, ``/admin/message-reports``.

Only a conversation's two participants see it: anyone else gets 404 ``CONVERSATION_NOT_FOUND``
on every route. A message posted here is pushed live over the WebSocket API to the recipient
and to the sender's other connections. ``Idempotency-Key`` on the creating calls: a retried send
with the same key and body answers the first message and posts nothing; another body is a 422.
Too many messages is a 429 ``RATE_LIMITED`` with ``Retry-After``; a block either way is a 403
``BLOCKED``.
"""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver, status_for
from lambdas.observability import count, logger, tracer
from lambdas.wiring import messaging
from workflows.catalog.errors import ListingNotFound
from workflows.messaging.commands import (
    MarkRead,
    ReportConversation,
    RequestMessageImage,
    ResolveReport,
    SendMessage,
    StartConversation,
)
from workflows.messaging.errors import (
    Blocked,
    CannotBlockYourself,
    CannotMessageYourself,
    ConversationNotFound,
    MessageImageNotFound,
    MessageImageNotUploaded,
    MessageNotFound,
    MessagingUserNotFound,
    RateLimited,
    ReportAlreadyResolved,
    ReportNotFound,
    UnsupportedMessageImage,
)
from workflows.messaging.model import ReportStatus
from workflows.messaging.views import (
    BlockPage,
    BlockView,
    ConversationPage,
    ConversationStarted,
    ConversationView,
    MessageImageUploadView,
    MessagePage,
    MessageView,
    ReadMarkerView,
    ReportPage,
    ReportView,
)
from workflows.orders.errors import OrderNotFound
from workflows.shared.errors import (
    AdminOnly,
    ContractError,
    IdempotencyKeyReused,
    InvalidCursor,
    TransientError,
    Unauthenticated,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.shared.identity import Caller

app = make_resolver()


@app.exception_handler(RateLimited)  # type: ignore[untyped-decorator]
def _rate_limited(error: RateLimited) -> Response[Any]:
    """The one error answered with a header: ``Retry-After``, in seconds."""
    return Response(
        status_code=status_for(error),
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": error.code, "message": error.message, "details": error.details}},
        headers={"Retry-After": str(error.retry_after_s)},
    )


_COMMON = ((ContractError, "field details"), (Unauthenticated, "no or bad token"), TransientError)
_CONVERSATION = (*_COMMON, (ConversationNotFound, "also someone else's conversation"))
_POSTING = (
    (Blocked, "one of the two blocked the other"),
    (RateLimited, "details.retry_after_s, and the Retry-After header"),
    (IdempotencyKeyReused, "the same key with another body"),
)
_CONVERSATION_ID = Annotated[str, Path(min_length=1, max_length=64, description="The conversation's id")]
_KEY = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)]
_LIMIT = Annotated[int, Query(ge=1, le=100)]
_CURSOR = Annotated[str | None, Query(max_length=512)]


def _me() -> Caller:
    who = caller(app)
    logger.append_keys(user_id=who.user_id)
    return who


# -- conversations -----------------------------------------------------------------------------


@app.post(
    "/conversations",
    summary="Ask the seller about a listing (asking again appends to the same conversation)",
    description="One conversation per listing and buyer. The answer is the conversation and the "
    "message just posted; before an order exists, contact details are masked for the seller "
    "(``message.masked``).",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(*_COMMON, ListingNotFound, CannotMessageYourself, *_POSTING),
    tags=["messaging"],
)
def post_conversation(command: StartConversation, idempotency_key: _KEY = None) -> ConversationStarted:
    started = messaging.wiring().service.start_about_listing(_me(), command, idempotency_key)
    count("MessagesSent")
    return started


@app.get(
    "/conversations",
    summary="The caller's conversations, latest activity first, with the caller's unread counts",
    responses=error_responses(*_COMMON, InvalidCursor),
    tags=["messaging"],
)
def get_conversations(limit: _LIMIT = 20, cursor: _CURSOR = None) -> ConversationPage:
    return messaging.wiring().service.list_conversations(_me(), limit=limit, cursor=cursor)


@app.get(
    "/conversations/<conversation_id>",
    summary="One of the caller's conversations",
    responses=error_responses(*_CONVERSATION),
    tags=["messaging"],
)
def get_conversation(conversation_id: _CONVERSATION_ID) -> ConversationView:
    return messaging.wiring().service.get_conversation(_me(), conversation_id)


@app.get(
    "/conversations/<conversation_id>/messages",
    summary="A conversation's messages, newest first (``order=asc``: oldest first), by cursor",
    responses=error_responses(*_CONVERSATION, InvalidCursor),
    tags=["messaging"],
)
def get_messages(
    conversation_id: _CONVERSATION_ID,
    limit: _LIMIT = 20,
    cursor: _CURSOR = None,
    order: Annotated[Literal["desc", "asc"], Query()] = "desc",
) -> MessagePage:
    return messaging.wiring().service.messages(
        _me(), conversation_id, limit=limit, cursor=cursor, ascending=order == "asc"
    )


@app.post(
    "/conversations/<conversation_id>/messages",
    summary="Post a message (plain text up to 2,000 characters, and up to 4 uploaded images)",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(*_CONVERSATION, *_POSTING, MessageImageNotFound, MessageImageNotUploaded),
    tags=["messaging"],
)
def post_message(
    conversation_id: _CONVERSATION_ID, command: SendMessage, idempotency_key: _KEY = None
) -> MessageView:
    posted = messaging.wiring().service.send(_me(), conversation_id, command, idempotency_key)
    if posted.created:
        count("MessagesSent")
    return posted.view


@app.post(
    "/conversations/<conversation_id>/read",
    summary="Set the caller's read marker (it only moves forward); answers the unread count left",
    responses=error_responses(*_CONVERSATION, MessageNotFound),
    tags=["messaging"],
)
def post_read(conversation_id: _CONVERSATION_ID, command: MarkRead) -> ReadMarkerView:
    return messaging.wiring().service.mark_read(_me(), conversation_id, command)


@app.post(
    "/conversations/<conversation_id>/images",
    summary="A presigned upload for an image of a message (JPEG, PNG or WebP, at most 10 MB)",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(*_CONVERSATION, UnsupportedMessageImage),
    tags=["messaging"],
)
def post_image(conversation_id: _CONVERSATION_ID, command: RequestMessageImage) -> MessageImageUploadView:
    return messaging.wiring().service.request_image(_me(), conversation_id, command)


@app.post(
    "/conversations/<conversation_id>/report",
    summary="Report the conversation to the admins (reporting again answers the open report)",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(*_CONVERSATION),
    tags=["messaging"],
)
def post_report(conversation_id: _CONVERSATION_ID, command: ReportConversation) -> ReportView:
    return messaging.wiring().service.report(_me(), conversation_id, command)


@app.post(
    "/orders/<order_id>/conversation",
    summary="The order's conversation between its buyer and its seller (created on first ask)",
    responses=error_responses(*_COMMON, (OrderNotFound, "also someone else's order")),
    tags=["messaging"],
)
def post_order_conversation(order_id: Annotated[str, Path(min_length=1, max_length=64)]) -> ConversationView:
    return messaging.wiring().service.conversation_for_order(_me(), order_id)


# -- blocks ------------------------------------------------------------------------------------

_USER_ID = Annotated[str, Path(min_length=1, max_length=128, description="The user to block")]


@app.get(
    "/me/blocked-users",
    summary="The users the caller blocked",
    responses=error_responses(*_COMMON),
    tags=["messaging"],
)
def get_blocked() -> BlockPage:
    return messaging.wiring().service.blocked(_me())


@app.put(
    "/me/blocked-users/<user_id>",
    summary="Block a user: no message passes between the two, and no new conversation starts",
    responses=error_responses(*_COMMON, CannotBlockYourself, MessagingUserNotFound),
    tags=["messaging"],
)
def put_block(user_id: _USER_ID) -> BlockView:
    return messaging.wiring().service.block(_me(), user_id)


@app.delete(
    "/me/blocked-users/<user_id>",
    summary="Unblock a user",
    status_code=HTTPStatus.NO_CONTENT,
    responses=error_responses(*_COMMON),
    tags=["messaging"],
)
def delete_block(user_id: _USER_ID) -> None:
    messaging.wiring().service.unblock(_me(), user_id)


# -- reports, for admins -----------------------------------------------------------------------


@app.get(
    "/admin/message-reports",
    summary="Reported conversations (admins), newest first; ``status`` filters",
    responses=error_responses(*_COMMON, AdminOnly, InvalidCursor),
    tags=["messaging"],
)
def get_reports(
    status: Annotated[ReportStatus | None, Query()] = None, limit: _LIMIT = 20, cursor: _CURSOR = None
) -> ReportPage:
    return messaging.wiring().service.list_reports(_me(), status=status, limit=limit, cursor=cursor)


@app.post(
    "/admin/message-reports/<report_id>/resolve",
    summary="Resolve a report (admins)",
    responses=error_responses(*_COMMON, AdminOnly, ReportNotFound, ReportAlreadyResolved),
    tags=["messaging"],
)
def post_resolve(
    report_id: Annotated[str, Path(min_length=1, max_length=64)], command: ResolveReport
) -> ReportView:
    return messaging.wiring().service.resolve_report(_me(), report_id, command)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
