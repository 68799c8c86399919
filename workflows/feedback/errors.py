"""What can go wrong with feedback, each with its stable code (the class is the error name)."""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, DomainError, Forbidden, NotFound


class FeedbackNotFound(NotFound):
    """No such feedback, or feedback the caller may not see yet (never say which)."""

    code = "FEEDBACK_NOT_FOUND"


class MemberNotFound(NotFound):
    """No member with this id: there is no public profile to show."""

    code = "FEEDBACK_MEMBER_NOT_FOUND"


class FeedbackNotOpen(Conflict):
    """The order is not delivered yet (or was cancelled or refunded in full): no feedback."""

    code = "FEEDBACK_NOT_OPEN"


class FeedbackWindowClosed(Conflict):
    """The window for feedback on this order has ended."""

    code = "FEEDBACK_WINDOW_CLOSED"


class FeedbackAlreadyLeft(Conflict):
    """This party left feedback on this order already: once per order per party."""

    code = "FEEDBACK_ALREADY_LEFT"


class SellerFeedbackPositiveOnly(ContractError):
    """A seller may only leave positive feedback for a buyer."""

    code = "FEEDBACK_SELLER_POSITIVE_ONLY"


class RatingsRequired(ContractError):
    """A buyer's feedback rates the item, the communication, the shipping time and cost."""

    code = "FEEDBACK_RATINGS_REQUIRED"


class RatingsForBuyersOnly(ContractError):
    """Detailed ratings are the buyer's, about the seller: a seller sends none."""

    code = "FEEDBACK_RATINGS_BUYERS_ONLY"


class FeedbackNotRevealed(Conflict):
    """A reply waits until the feedback is revealed (both parties left theirs, or the period ended)."""

    code = "FEEDBACK_NOT_REVEALED"


class FeedbackAlreadyReplied(Conflict):
    """The person rated replies once."""

    code = "FEEDBACK_ALREADY_REPLIED"


class FeedbackWasRemoved(Conflict):
    """The feedback was removed for breaking the policy: it takes no reply."""

    code = "FEEDBACK_REMOVED"


class OnlyTheRatedReplies(Forbidden):
    """Only the person the feedback is about may reply to it."""

    code = "FEEDBACK_REPLY_ONLY_BY_RATED"


class FeedbackWindowMissing(DomainError):
    """A feedback window's step ran for an order that was never delivered (a bug, caught)."""

    code = "FEEDBACK_WINDOW_MISSING"
