"""What can go wrong in the catalog, each with its stable code (the class is the error name).

The listing errors are the catalog's and every capability that sells a listing (the cart, fees,
checkout) raises these same classes: one code for one outcome wherever it happens.
"""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, Forbidden, NotFound


class CategoryNotFound(NotFound):
    code = "CATEGORY_NOT_FOUND"


class ListingNotFound(NotFound):
    """No listing has this id (a cart line, a quote's item or a watch names one that is not there)."""

    code = "LISTING_NOT_FOUND"


class ListingNotAvailable(Conflict):
    """The listing exists but is not for sale now (ended, sold out)."""

    code = "LISTING_NOT_AVAILABLE"


class QuantityNotAvailable(Conflict):
    """More units were asked for than the listing has, or someone else held the last units first;
    ``details`` say which listing and, when known, how many are available."""

    code = "QUANTITY_NOT_AVAILABLE"


class ImageNotFound(NotFound):
    code = "IMAGE_NOT_FOUND"


class SavedSearchNotFound(NotFound):
    code = "SAVED_SEARCH_NOT_FOUND"


class InvalidListing(ContractError):
    """The listing does not fit its category (condition, item specifics) or is malformed."""

    code = "INVALID_LISTING"


class CurrencyNotSupported(ContractError):
    """The listing's currency is not one a sale can be settled and charged fees in (the fee
    schedule in effect has no rules for it); ``details.supported``, when given, lists those that are."""

    code = "CURRENCY_NOT_SUPPORTED"


class InvalidCategory(ContractError):
    code = "INVALID_CATEGORY"


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


class ListingIsAuction(Conflict):
    """An auction listing is bid on (or bought now), not put in a cart or changed or ended as a
    fixed-price one."""

    code = "LISTING_IS_AUCTION"


class TooManyImages(Conflict):
    code = "TOO_MANY_IMAGES"


class ImageNotUploaded(Conflict):
    code = "IMAGE_NOT_UPLOADED"


class ConcurrentUpdate(Conflict):
    """Someone else changed the document between our read and our write; try again."""

    code = "CONCURRENT_UPDATE"


class TooManySavedSearches(Conflict):
    code = "TOO_MANY_SAVED_SEARCHES"
