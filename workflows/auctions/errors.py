"""What can go wrong with an auction, each with its stable code (the class is the error name)."""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, Forbidden, NotFound, TransientError


class AuctionNotFound(NotFound):
    """No auction listing has this id (a fixed-price listing has no bids either)."""

    code = "AUCTION_NOT_FOUND"


class BidTooLow(ContractError):
    """The bid is under the minimum: the starting price, or the current price plus one increment
    (a leader raising their own maximum must go above it); ``details.minimum`` says how much."""

    code = "BID_TOO_LOW"


class BidCurrencyMismatch(ContractError):
    """A bid is in the listing's currency."""

    code = "BID_CURRENCY_MISMATCH"


class SellerCannotBid(Forbidden):
    """A seller may not bid on their own auction (shill bidding)."""

    code = "AUCTION_SELLER_CANNOT_BID"


class OnlyTheSellerEndsAuctions(Forbidden):
    """Ending an auction early, and choosing a second chance or a relist, is for its seller."""

    code = "AUCTION_SELLER_ONLY"


class AuctionEnded(Conflict):
    """The auction has ended (its end passed, it was bought now or ended early): no more bids."""

    code = "AUCTION_ENDED"


class AuctionStillOpen(Conflict):
    """The auction has not ended yet: there is no result to act on."""

    code = "AUCTION_STILL_OPEN"


class BuyItNowUnavailable(Conflict):
    """Buy It Now was never offered, or went with the first bid (or once the reserve was met)."""

    code = "AUCTION_BUY_IT_NOW_UNAVAILABLE"


class AuctionHasBids(Conflict):
    """An auction with bids ends early only by cancelling them, with a reason."""

    code = "AUCTION_HAS_BIDS"


class RetractionNotAllowed(Conflict):
    """eBay's rule: a bid is retracted with more than 12 hours left, or within an hour of it."""

    code = "BID_RETRACTION_NOT_ALLOWED"


class NoBidToRetract(NotFound):
    """The caller has no standing bid on this auction."""

    code = "BID_NOT_FOUND"


class SellerChoiceUnavailable(Conflict):
    """The seller's choice after the end (a second-chance offer, a relist) is not open now: the
    item sold, the winner may still pay, nobody else bid, or the seller chose already."""

    code = "AUCTION_CHOICE_UNAVAILABLE"


class AuctionBusy(TransientError):
    """So many bids at once that this one could not be decided in time; send it again."""

    code = "AUCTION_BUSY"
