"""Best Offer's errors: the class name is the error name the state machine matches.

An offer for more units than the listing has is :class:`workflows.catalog.errors.QuantityNotAvailable`;
a listing that does not exist is :class:`workflows.catalog.errors.ListingNotFound`.
"""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, Forbidden, NotFound


class OfferNotFound(NotFound):
    """No such offer, or not one of the caller's (the buyer's or the seller's)."""

    code = "OFFER_NOT_FOUND"


class BestOfferNotAvailable(Conflict):
    """The listing takes no offers: Best Offer is off, it is not a fixed price, or it is not for sale."""

    code = "BEST_OFFER_NOT_AVAILABLE"


class OfferOnOwnListing(Forbidden):
    code = "OFFER_ON_OWN_LISTING"


class OfferAbovePrice(ContractError):
    """An offer (or a counter) above the listing's price: buy it at the price instead."""

    code = "OFFER_ABOVE_PRICE"


class OfferCurrencyMismatch(ContractError):
    """An amount in another currency than the listing's."""

    code = "OFFER_CURRENCY_MISMATCH"


class OfferLimitReached(Conflict):
    """A buyer makes at most five offers on one listing."""

    code = "OFFER_LIMIT_REACHED"


class OfferAlreadyOpen(Conflict):
    """The buyer has an offer on this listing awaiting an answer: wait for it, or answer it."""

    code = "OFFER_ALREADY_OPEN"


class NotYourTurn(Forbidden):
    """The offer awaits the other party's answer (or the caller is the one who made the last move)."""

    code = "OFFER_NOT_YOUR_TURN"


class OfferClosed(Conflict):
    """The offer is no longer open: accepted, declined, expired, or its time to answer passed."""

    code = "OFFER_NOT_OPEN"


class CounterOutOfRange(ContractError):
    """A seller's counter is above the amount offered and at most the price; a buyer's counter is
    under the seller's counter; ``details`` say the bounds."""

    code = "COUNTER_OUT_OF_RANGE"


class OfferItemUnavailable(Conflict):
    """The offer cannot be accepted: the listing no longer has the units (sold, ended)."""

    code = "OFFER_ITEM_UNAVAILABLE"
