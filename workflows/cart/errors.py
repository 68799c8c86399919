"""What can go wrong with a cart, each with its stable code (the class is the error name)."""

from __future__ import annotations

from workflows.shared.errors import Conflict, NotFound


class ListingNotFound(NotFound):
    code = "LISTING_NOT_FOUND"


class ListingNotAvailable(Conflict):
    """The listing has ended or sold out."""

    code = "LISTING_NOT_AVAILABLE"


class OwnListing(Conflict):
    code = "OWN_LISTING"


class QuantityNotAvailable(Conflict):
    code = "QUANTITY_NOT_AVAILABLE"


class CartFull(Conflict):
    code = "CART_FULL"


class CartLineChanged(Conflict):
    """The listing changed (a newer version was seen) while the line was being written."""

    code = "CART_LINE_CHANGED"
