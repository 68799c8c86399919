"""Feedback on orders, replies, the caller's pending feedback, and the public seller profile.

``POST /orders/{order_id}/feedback``: once per order per party, after delivery and within the
window; double-blind until the reveal (both parties left theirs, or the reveal period ended).
``GET /orders/{order_id}/feedback``: the caller's own, and the other party's once revealed.
``POST /feedback/{feedback_id}/reply``: the person rated, once, after the reveal.
``GET /me/feedback/pending``: where the caller can still leave feedback, with the deadline.
``GET /sellers/{seller_id}/profile`` and ``/feedback`` (public): the profile read model, and the
member's revealed feedback with replies, newest first. Someone not a party to the order gets 404.
``DELETE /admin/feedback/{feedback_id}`` {reason} (admins): removed feedback stops counting in the
profile (its projection takes it off) and both parties are told.
"""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import count, logger, tracer
from lambdas.wiring import feedback
from workflows.feedback.commands import LeaveFeedbackRequest, RemoveFeedbackRequest, ReplyRequest
from workflows.feedback.errors import (
    FeedbackAlreadyLeft,
    FeedbackAlreadyReplied,
    FeedbackNotFound,
    FeedbackNotOpen,
    FeedbackNotRevealed,
    FeedbackWasRemoved,
    FeedbackWindowClosed,
    MemberNotFound,
    OnlyTheRatedReplies,
    RatingsForBuyersOnly,
    RatingsRequired,
    SellerFeedbackPositiveOnly,
)
from workflows.feedback.views import (
    FeedbackPage,
    FeedbackView,
    OrderFeedbackView,
    PendingFeedbackPage,
    SellerProfileView,
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

app = make_resolver()

_COMMON = ((ContractError, "field details"), Unauthenticated, TransientError)
_ORDER_ID = Path(min_length=1, max_length=64, description="The order's id")
_FEEDBACK_ID = Path(min_length=1, max_length=64, description="The feedback's id")
_SELLER_ID = Path(min_length=1, max_length=128, description="The member's id")
_LIMIT = Query(ge=1, le=100)
_CURSOR = Query(min_length=1, max_length=512)


@app.post(
    "/orders/<order_id>/feedback",
    summary="Leave feedback on a delivered order: the buyer rates the seller, the seller the buyer",
    description="Once per order per party, within the window after delivery. Hidden from the other "
    "party until both have left theirs or the reveal period ends. A repeat with the same "
    "Idempotency-Key and body answers the same feedback.",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(
        *_COMMON,
        SellerFeedbackPositiveOnly,
        RatingsRequired,
        RatingsForBuyersOnly,
        (OrderNotFound, "also someone else's order"),
        FeedbackNotOpen,
        FeedbackWindowClosed,
        FeedbackAlreadyLeft,
        (IdempotencyKeyReused, "same key, another body"),
    ),
    tags=["feedback"],
)
def leave_feedback(
    order_id: Annotated[str, _ORDER_ID],
    request: LeaveFeedbackRequest,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> FeedbackView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    left = feedback.wiring().service.leave(who, order_id, request, idempotency_key)
    if left.created:
        count("FeedbackLeft", outcome=left.view.overall)
    return left.view


@app.get(
    "/orders/<order_id>/feedback",
    summary="An order's feedback as the caller may see it: their own, and the other's once revealed",
    responses=error_responses(*_COMMON, (OrderNotFound, "also someone else's order")),
    tags=["feedback"],
)
def order_feedback(order_id: Annotated[str, _ORDER_ID]) -> OrderFeedbackView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    return feedback.wiring().service.order_feedback(who, order_id)


@app.post(
    "/feedback/<feedback_id>/reply",
    summary="The person rated replies to the feedback, once, after it is revealed",
    responses=error_responses(
        *_COMMON,
        OnlyTheRatedReplies,
        (FeedbackNotFound, "also feedback the caller cannot see"),
        FeedbackNotRevealed,
        FeedbackAlreadyReplied,
        FeedbackWasRemoved,
    ),
    tags=["feedback"],
)
def reply(feedback_id: Annotated[str, _FEEDBACK_ID], request: ReplyRequest) -> FeedbackView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, feedback_id=feedback_id)
    return feedback.wiring().service.reply(who, feedback_id, request)


@app.get(
    "/me/feedback/pending",
    summary="The orders where the caller can still leave feedback, soonest deadline first",
    responses=error_responses(*_COMMON, InvalidCursor),
    tags=["feedback"],
)
def pending(
    limit: Annotated[int, _LIMIT] = 20, cursor: Annotated[str | None, _CURSOR] = None
) -> PendingFeedbackPage:
    who = caller(app)
    logger.append_keys(user_id=who.user_id)
    return feedback.wiring().service.pending(who, limit=limit, cursor=cursor)


@app.get(
    "/sellers/<seller_id>/profile",
    summary="A member's public profile: feedback score, percent positive, counts, detailed ratings",
    description="A read model projected from feedback as it is revealed or removed; the 1, 6 and "
    "12-month figures are summed from daily buckets at read. Detailed ratings show from 10 on.",
    responses=error_responses(*_COMMON, MemberNotFound),
    tags=["feedback"],
)
def profile(seller_id: Annotated[str, _SELLER_ID]) -> SellerProfileView:
    logger.append_keys(seller_id=seller_id)
    return feedback.wiring().profiles.profile(seller_id)


@app.get(
    "/sellers/<seller_id>/feedback",
    summary="A member's revealed feedback with replies, newest first (role: as seller or as buyer)",
    responses=error_responses(*_COMMON, MemberNotFound, InvalidCursor),
    tags=["feedback"],
)
def feedback_about(
    seller_id: Annotated[str, _SELLER_ID],
    role: Annotated[
        Literal["seller", "buyer"] | None, Query(description="Received as seller or buyer")
    ] = None,
    limit: Annotated[int, _LIMIT] = 20,
    cursor: Annotated[str | None, _CURSOR] = None,
) -> FeedbackPage:
    logger.append_keys(seller_id=seller_id)
    return feedback.wiring().profiles.feedback_about(seller_id, role=role, limit=limit, cursor=cursor)


@app.delete(
    "/admin/feedback/<feedback_id>",
    summary="Remove feedback that breaks the policy (it stops counting; both parties are told)",
    description="For admins. Removing it again answers the same.",
    responses=error_responses(*_COMMON, AdminOnly, FeedbackNotFound),
    tags=["admin"],
)
def remove_feedback(
    feedback_id: Annotated[str, _FEEDBACK_ID], request: RemoveFeedbackRequest
) -> FeedbackView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, feedback_id=feedback_id)
    return feedback.wiring().service.remove(who, feedback_id, request)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
