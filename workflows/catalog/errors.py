"""What can go wrong in the catalog, each with its stable code (the class is the error name)."""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, NotFound
from workflows.shared.identity import Forbidden


class CategoryNotFound(NotFound):
    code = "CATEGORY_NOT_FOUND"


class ListingNotFound(NotFound):
    code = "LISTING_NOT_FOUND"


class ImageNotFound(NotFound):
    code = "IMAGE_NOT_FOUND"


class SavedSearchNotFound(NotFound):
    code = "SAVED_SEARCH_NOT_FOUND"


class InvalidListing(ContractError):
    """The listing does not fit its category (condition, item specifics) or is malformed."""

    code = "INVALID_LISTING"


class CurrencyNotSupported(ContractError):
    """The listing's currency is not one a sale can be settled and charged fees in;
    ``details.supported`` lists those that are."""

    code = "CURRENCY_NOT_SUPPORTED"


class InvalidCategory(ContractError):
    code = "INVALID_CATEGORY"


class InvalidCursor(ContractError):
    code = "INVALID_CURSOR"


class UnsupportedImage(ContractError):
    code = "UNSUPPORTED_IMAGE"


class NotOwner(Forbidden):
    code = "NOT_OWNER"


class CategoryInUse(Conflict):
    code = "CATEGORY_IN_USE"


class CategoryExists(Conflict):
    code = "CATEGORY_EXISTS"


class ListingNotActive(Conflict):
    code = "LISTING_NOT_ACTIVE"


class TooManyImages(Conflict):
    code = "TOO_MANY_IMAGES"


class ImageNotUploaded(Conflict):
    code = "IMAGE_NOT_UPLOADED"


class ConcurrentUpdate(Conflict):
    """Someone else changed the document between our read and our write; try again."""

    code = "CONCURRENT_UPDATE"


class IdempotencyKeyReused(ContractError):
    """The same Idempotency-Key came with a different body (422)."""

    code = "IDEMPOTENCY_KEY_REUSED"
