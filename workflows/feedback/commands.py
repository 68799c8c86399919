"""What a party sends to leave feedback or reply, and what an admin sends to remove feedback."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt, StringConstraints

from workflows.feedback.model import Overall  # noqa: TC001 - pydantic reads it
from workflows.shared.commands import Command
from workflows.shared.fields import MULTI_LINE

#: a comment, a reply, a removal reason: 1-500 characters once trimmed, no control characters
FeedbackText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), MULTI_LINE
]
Stars = Annotated[StrictInt, Field(ge=1, le=5)]


class RatingsRequest(Command):
    """The buyer's detailed ratings of the seller, 1 (worst) to 5 (best) each."""

    item_as_described: Stars
    communication: Stars
    shipping_time: Stars
    shipping_cost: Stars


class LeaveFeedbackRequest(Command):
    overall: Overall = Field(description="The buyer's of the purchase; a seller's is always 'positive'")
    comment: FeedbackText
    ratings: RatingsRequest | None = Field(
        default=None, description="The buyer's detailed ratings of the seller (required of a buyer)"
    )


class ReplyRequest(Command):
    body: FeedbackText


class RemoveFeedbackRequest(Command):
    reason: FeedbackText
