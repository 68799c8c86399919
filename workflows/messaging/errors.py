"""What can go wrong in messaging, each with its stable code (the class is the error name)."""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, Forbidden, NotFound, TooManyAttempts


class ConversationNotFound(NotFound):
    """No conversation has this id, or the caller is not one of its two participants."""

    code = "CONVERSATION_NOT_FOUND"


class MessageNotFound(NotFound):
    """A read marker names a message that is not in this conversation."""

    code = "MESSAGE_NOT_FOUND"


class MessagingUserNotFound(NotFound):
    """The user to block is not a user of the platform."""

    code = "MESSAGING_USER_NOT_FOUND"


class ReportNotFound(NotFound):
    code = "MESSAGING_REPORT_NOT_FOUND"


class MessageImageNotFound(NotFound):
    """An ``image_ids`` entry that no upload of this conversation's sender was requested for."""

    code = "MESSAGE_IMAGE_NOT_FOUND"


class CannotMessageYourself(ContractError):
    """A conversation is between two people: not about one's own listing, not with oneself."""

    code = "CANNOT_MESSAGE_YOURSELF"


class CannotBlockYourself(ContractError):
    code = "CANNOT_BLOCK_YOURSELF"


class UnsupportedMessageImage(ContractError):
    """Not a JPEG, PNG or WebP, or larger than the limit (``details`` say which)."""

    code = "UNSUPPORTED_MESSAGE_IMAGE"


class MessageImageNotUploaded(Conflict):
    """The image's upload was requested but the file is not in the bucket (yet)."""

    code = "MESSAGE_IMAGE_NOT_UPLOADED"


class InvalidFrame(ContractError):
    """A WebSocket frame that is not JSON with a known ``action`` and its fields."""

    code = "INVALID_FRAME"


class Blocked(Forbidden):
    """One of the two blocked the other: no message passes between them."""

    code = "BLOCKED"


class ReportAlreadyResolved(Conflict):
    code = "MESSAGING_REPORT_ALREADY_RESOLVED"


class RateLimited(TooManyAttempts):
    """Too many messages from this sender in the last minute or day; ``details.retry_after_s``
    (and the ``Retry-After`` header) say when the next one is accepted."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_s: int, limit: int, window: str) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s, "limit": limit, "window": window})
        self.retry_after_s = retry_after_s
