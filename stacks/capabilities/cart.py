"""Cart: a buyer's lines in DynamoDB, priced from the catalog, following its price changes and ends."""

from __future__ import annotations

from stacks.model import Capability, Function, FunctionTarget, Grant, Kind, Ref, Route, Rule, RuleTarget

_CARTS = {"CARTS_TABLE": Ref(Kind.TABLE, "carts")}

CART = Capability(
    "cart",
    functions=(
        Function(
            "api-cart",
            handler="lambdas.api.cart.handler",
            description="GET /cart (priced now), PUT and DELETE /cart/items/{listing_id}.",
            environment=dict(_CARTS),
            grants=(Grant(Kind.TABLE, "carts", "read_write"),),
            uses_mongo=True,
            service="cart",
        ),
        Function(
            "cart-listing-changes",
            handler="lambdas.consumers.cart_listing_changes.handler",
            description="ListingPriceChanged / ListingEnded: mark the listing's cart lines.",
            timeout_s=60,
            environment=dict(_CARTS),
            grants=(Grant(Kind.TABLE, "carts", "read_write"),),
            service="cart",
        ),
    ),
    routes=(
        Route("GET", "/cart", "user", FunctionTarget("api-cart")),
        Route("PUT", "/cart/items/{listing_id}", "user", FunctionTarget("api-cart")),
        Route("DELETE", "/cart/items/{listing_id}", "user", FunctionTarget("api-cart")),
    ),
    rules=(
        Rule(
            "cart-listing-changes",
            bus="domain",
            event_pattern={
                "source": ["resale.catalog"],
                "detail-type": ["ListingPriceChanged", "ListingEnded"],
            },
            targets=(RuleTarget("function", "cart-listing-changes"),),
            description="Carts follow their listings' price changes and ends.",
        ),
    ),
)
