"""Auctions: bids on auction listings (DynamoDB, decided atomically), the auction Standard state
machine that closes them and starts the winner's checkout, and the API around both.

An auction listing's ``ListingCreated`` (from the catalog, ``detail.format`` auction) reaches
``auctions-listing-created``, which starts ``auction`` named by the listing id. Its waits (the
end, the payment, the seller's choice) are the shared ``wait-for-event`` task-token step: Buy It
Now and ending early resume the end's wait from the API; ``AgreedCheckoutEnded`` (from checkout,
kind auction, paid) resumes the payment's through ``auctions-checkout-ended``.
"""

from __future__ import annotations

from stacks.capabilities import (
    LIVE_PUSH_ENV,
    LIVE_PUSH_GRANTS,
    NOTIFY_ENV,
    PUBLISH_NOTIFICATIONS,
    READ_STRIPE,
    STRIPE_ENV,
)
from stacks.model import (
    Attr,
    Capability,
    Function,
    FunctionTarget,
    Grant,
    Key,
    Kind,
    Ref,
    Route,
    Rule,
    RuleTarget,
    StateMachine,
    Table,
)

_BIDS = {"AUCTION_BIDS_TABLE": Ref(Kind.TABLE, "auction-bids")}
_WAITS = {"TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens")}
#: what every auctions function has: the bids, the waits it may resume, notifications, the bus
_ENV: dict[str, str | Ref] = {**_BIDS, **_WAITS, **NOTIFY_ENV}
_GRANTS = (
    Grant(Kind.TABLE, "auction-bids", "read_write"),
    Grant(Kind.TABLE, "task-tokens", "read_write"),
    Grant(Kind.STATE_MACHINE, "auction", "task_response"),
    Grant(Kind.BUS, "domain", "publish"),
    PUBLISH_NOTIFICATIONS,
)
#: what building the checkout service needs (the agreed-sale checkout of the winner)
_CHECKOUT_ENV: dict[str, str | Ref] = {
    **STRIPE_ENV,
    "CARTS_TABLE": Ref(Kind.TABLE, "carts"),
    "CHECKOUT_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "checkout", Attr.ARN),
}
_CHECKOUT_GRANTS = (
    READ_STRIPE,
    Grant(Kind.TABLE, "carts", "read"),
    Grant(Kind.STATE_MACHINE, "checkout", "start"),
)
#: an auction lasts at most 10 days, then 4 to pay, 7 for the seller's choice, 4 for a second chance
MACHINE_TIMEOUT_S = 40 * 86_400


def _step(module: str, description: str, *, checkout: bool = False) -> Function:
    return Function(
        f"auctions-{module.replace('_', '-')}",
        handler=f"lambdas.steps.auctions.{module}.handler",
        description=f"Step of auction: {description}",
        timeout_s=25,
        environment={**_ENV, **(_CHECKOUT_ENV if checkout else {})},
        grants=(*_GRANTS, *(_CHECKOUT_GRANTS if checkout else ())),
        uses_postgres=True,
        uses_mongo=True,
        service="auctions",
    )


def _api(function: str = "api-auctions") -> FunctionTarget:
    return FunctionTarget(function)


AUCTIONS = Capability(
    "auctions",
    tables=(
        Table(
            "auction-bids",
            partition_key=Key("listing_id"),
            sort_key=Key("item"),
            description="Per auction listing: its state item (versioned) and one item per bid.",
        ),
    ),
    functions=(
        Function(
            "api-auctions",
            handler="lambdas.api.auctions.handler",
            description="Bids (place, history, retract), Buy It Now, end early, second chance, relist.",
            timeout_s=20,
            environment={**_ENV, "IMAGES_BUCKET": Ref(Kind.BUCKET, "images")},
            grants=(*_GRANTS, Grant(Kind.BUCKET, "images", "read")),
            uses_postgres=True,
            uses_mongo=True,
            service="auctions",
        ),
        Function(
            "auctions-listing-created",
            handler="lambdas.consumers.auctions_listing_created.handler",
            description="ListingCreated (an auction): start the auction named by the listing id.",
            timeout_s=15,
            environment={
                **_ENV,
                "AUCTION_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "auction", Attr.ARN),
            },
            grants=(*_GRANTS, Grant(Kind.STATE_MACHINE, "auction", "start")),
            uses_postgres=True,
            uses_mongo=True,
            service="auctions",
        ),
        Function(
            "auctions-bid-placed",
            handler="lambdas.consumers.auctions_bid_placed.handler",
            description="BidPlaced: the leader a higher maximum displaced is told live and by email.",
            timeout_s=15,
            environment={**_ENV, **LIVE_PUSH_ENV},
            grants=(*_GRANTS, *LIVE_PUSH_GRANTS),
            uses_postgres=True,
            uses_mongo=True,
            service="auctions",
        ),
        Function(
            "auctions-checkout-ended",
            handler="lambdas.consumers.auctions_checkout_ended.handler",
            description="AgreedCheckoutEnded (an auction's, paid): resume the auction's payment wait.",
            timeout_s=15,
            environment=dict(_ENV),
            grants=_GRANTS,
            uses_postgres=True,
            uses_mongo=True,
            service="auctions",
        ),
        _step("open_auction", "the auction made from its listing's terms; the seconds until its end."),
        _step("close_auction", "closed (no bid after it), the winner decided, the unit held, all told."),
        _step(
            "start_checkout", "the winner's (or second-chance buyer's) agreed-price checkout.", checkout=True
        ),
        _step("check_payment", "paid by the deadline, or the seller's choice opens.", checkout=True),
        _step("settle_seller_choice", "a second chance, a relist, or unsold."),
    ),
    routes=(
        Route("POST", "/listings/{listing_id}/bids", "user", _api()),
        Route("GET", "/listings/{listing_id}/bids", "public", _api()),
        Route("POST", "/listings/{listing_id}/bids/retract", "user", _api()),
        Route("POST", "/listings/{listing_id}/buy-it-now", "user", _api()),
        Route("POST", "/listings/{listing_id}/end", "seller", _api()),
        Route("POST", "/listings/{listing_id}/second-chance", "seller", _api()),
        Route("POST", "/listings/{listing_id}/relist", "seller", _api()),
    ),
    state_machines=(
        StateMachine(
            "auction",
            definition="auction.json",
            type="STANDARD",
            substitutions={
                "OpenAuctionFunctionArn": Ref(Kind.FUNCTION, "auctions-open-auction", Attr.ARN),
                "WaitForEventFunctionArn": Ref(Kind.FUNCTION, "wait-for-event", Attr.ARN),
                "CloseAuctionFunctionArn": Ref(Kind.FUNCTION, "auctions-close-auction", Attr.ARN),
                "StartCheckoutFunctionArn": Ref(Kind.FUNCTION, "auctions-start-checkout", Attr.ARN),
                "CheckPaymentFunctionArn": Ref(Kind.FUNCTION, "auctions-check-payment", Attr.ARN),
                "SettleSellerChoiceFunctionArn": Ref(
                    Kind.FUNCTION, "auctions-settle-seller-choice", Attr.ARN
                ),
            },
            timeout_s=MACHINE_TIMEOUT_S,
        ),
    ),
    rules=(
        Rule(
            "auctions-listing-created",
            bus="domain",
            event_pattern={
                "source": ["resale.catalog"],
                "detail-type": ["ListingCreated"],
                "detail": {"format": ["auction"]},
            },
            targets=(RuleTarget("function", "auctions-listing-created"),),
            description="A new auction listing starts its auction state machine.",
        ),
        Rule(
            "auctions-bid-placed",
            bus="domain",
            event_pattern={
                "source": ["resale.auctions"],
                "detail-type": ["BidPlaced"],
                "detail": {"leader_changed": [True]},
            },
            targets=(RuleTarget("function", "auctions-bid-placed"),),
            description="A leader outbid by a higher maximum hears of it.",
        ),
        Rule(
            "auctions-checkout-ended",
            bus="domain",
            event_pattern={
                "source": ["resale.checkout"],
                "detail-type": ["AgreedCheckoutEnded"],
                "detail": {"kind": ["auction"], "outcome": ["paid"]},
            },
            targets=(RuleTarget("function", "auctions-checkout-ended"),),
            description="A won auction's checkout was paid: the auction stops waiting for it.",
        ),
    ),
)
