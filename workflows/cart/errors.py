"""What can go wrong with a cart, each with its stable code (the class is the error name).

A line's listing that is not there, not for sale or short of units is refused with the catalog's
own errors (:mod:`workflows.catalog.errors`), as a quote and a checkout refuse it."""

from __future__ import annotations

from workflows.shared.errors import Conflict


class OwnListing(Conflict):
    code = "OWN_LISTING"


class CartFull(Conflict):
    code = "CART_FULL"


class CartLineChanged(Conflict):
    """The listing changed (a newer version was seen) while the line was being written."""

    code = "CART_LINE_CHANGED"
