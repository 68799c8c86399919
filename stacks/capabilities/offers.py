"""Best Offer: the offer Standard state machine, its steps, and the API that makes and answers offers.

The API function records an offer and starts its execution (named by the offer id); an answer
(accept, decline, counter) resumes the execution's wait through the task-tokens table. The steps
share PostgreSQL (offers, their moves, the checkouts made from them) and the catalog's listings
(the accepted offer's hold). The waits use the shared ``wait-for-event`` step. An accepted offer
is bought through ``POST /checkout`` {offer_id} (the checkout capability).
"""

from __future__ import annotations

from stacks.capabilities import NOTIFY_ENV, PUBLISH_NOTIFICATIONS
from stacks.model import (
    Attr,
    Capability,
    Function,
    FunctionTarget,
    Grant,
    Kind,
    Ref,
    Route,
    Rule,
    RuleTarget,
    StateMachine,
)

#: what every offers function needs: the waits (an answer resumes the machine), notifications
#: and the domain bus (each move is announced)
_ENV: dict[str, str | Ref] = {**NOTIFY_ENV, "TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens")}
_GRANTS = (
    PUBLISH_NOTIFICATIONS,
    Grant(Kind.TABLE, "task-tokens", "read_write"),
    Grant(Kind.STATE_MACHINE, "offer", "task_response"),
    Grant(Kind.BUS, "domain", "publish"),
)

#: an offer lives at most: a few rounds of 48 hours each, then 48 hours to pay
MACHINE_TIMEOUT_S = 30 * 86_400


def _step(name: str, module: str, description: str) -> Function:
    return Function(
        f"offers-{name}",
        handler=f"lambdas.steps.offers.{module}.handler",
        description=f"Step of offer: {description}",
        timeout_s=15,
        environment=dict(_ENV),
        grants=_GRANTS,
        uses_postgres=True,
        uses_mongo=True,
        service="offers",
    )


OFFERS = Capability(
    "offers",
    functions=(
        _step(
            "evaluate", "evaluate_offer", "the seller's thresholds, then whose answer is awaited until when."
        ),
        _step("expire", "expire_offer", "an unanswered round's deadline passed: the offer expires."),
        _step("close", "close_offer", "at the deadline to pay: purchased, or lapsed and the hold released."),
        _step(
            "release", "release_offer", "a step failed for good: the offer ends failed, its hold released."
        ),
        Function(
            "offers-checkout-ended",
            handler="lambdas.consumers.offers_checkout_ended.handler",
            description="AgreedCheckoutEnded of a paid offer: its Wait For Purchase resumed at once.",
            timeout_s=15,
            environment=dict(_ENV),
            grants=_GRANTS,
            uses_postgres=True,
            uses_mongo=True,
            service="offers",
        ),
        Function(
            "api-offers",
            handler="lambdas.api.offers.handler",
            description="Best Offer API: make, read, list, accept, decline and counter offers.",
            timeout_s=20,
            environment={
                **_ENV,
                "OFFER_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "offer", Attr.ARN),
            },
            grants=(*_GRANTS, Grant(Kind.STATE_MACHINE, "offer", "start")),
            uses_postgres=True,
            uses_mongo=True,
            service="offers",
        ),
    ),
    routes=(
        Route("POST", "/listings/{listing_id}/offers", "user", FunctionTarget("api-offers")),
        Route("GET", "/offers/{offer_id}", "user", FunctionTarget("api-offers")),
        Route("POST", "/offers/{offer_id}/accept", "user", FunctionTarget("api-offers")),
        Route("POST", "/offers/{offer_id}/decline", "user", FunctionTarget("api-offers")),
        Route("POST", "/offers/{offer_id}/counter", "user", FunctionTarget("api-offers")),
        Route("GET", "/me/offers", "user", FunctionTarget("api-offers")),
    ),
    rules=(
        Rule(
            "offers-checkout-ended",
            bus="domain",
            event_pattern={
                "source": ["resale.checkout"],
                "detail-type": ["AgreedCheckoutEnded"],
                "detail": {"kind": ["offer"], "outcome": ["paid"]},
            },
            targets=(RuleTarget("function", "offers-checkout-ended"),),
            description="An accepted offer's checkout was paid: the offer is closed purchased at once.",
        ),
    ),
    state_machines=(
        StateMachine(
            "offer",
            definition="offer.json",
            type="STANDARD",
            substitutions={
                "EvaluateOfferFunctionArn": Ref(Kind.FUNCTION, "offers-evaluate", Attr.ARN),
                "ExpireOfferFunctionArn": Ref(Kind.FUNCTION, "offers-expire", Attr.ARN),
                "CloseOfferFunctionArn": Ref(Kind.FUNCTION, "offers-close", Attr.ARN),
                "ReleaseOfferFunctionArn": Ref(Kind.FUNCTION, "offers-release", Attr.ARN),
                "WaitForEventFunctionArn": Ref(Kind.FUNCTION, "wait-for-event", Attr.ARN),
            },
            timeout_s=MACHINE_TIMEOUT_S,
        ),
    ),
)
