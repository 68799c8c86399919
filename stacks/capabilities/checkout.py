"""Checkout: the checkout Standard state machine, its steps, and the API that starts and reads it.

The API function validates the cart synchronously and starts the execution (named by the
checkout id); the steps share PostgreSQL (checkouts, orders, ledger, timeline), the catalog's
listings (holds) and Stripe (the PaymentIntent). The wait for Stripe's event uses the shared
``wait-for-event`` step. What runs before the buyer pays (validate, hold, fees, orders, the
PaymentIntent) is the nested ``checkout-preparation`` Express machine, which runs the
``fee-calculation`` Express machine synchronously.
"""

from __future__ import annotations

from stacks.capabilities import NOTIFY_ENV, READ_STRIPE, STRIPE_ENV
from stacks.model import Attr, Capability, Function, FunctionTarget, Grant, Kind, Ref, Route, StateMachine

_STRIPE = STRIPE_ENV
_READ_STRIPE = READ_STRIPE
_CARTS = {"CARTS_TABLE": Ref(Kind.TABLE, "carts")}
_NOTIFY = NOTIFY_ENV
_PUBLISH = Grant(Kind.BUS, "domain", "publish")


def _step(
    name: str,
    module: str,
    description: str,
    *,
    stripe: bool = False,
    timeout_s: int = 10,
    environment: dict[str, str | Ref] | None = None,
    grants: tuple[Grant, ...] = (),
) -> Function:
    return Function(
        f"checkout-{name}",
        handler=f"lambdas.steps.checkout.{module}.handler",
        description=f"Step of checkout: {description}",
        timeout_s=timeout_s,
        environment={**(_STRIPE if stripe else {}), **(environment or {})},
        grants=((_READ_STRIPE,) if stripe else ()) + grants,
        uses_postgres=True,
        uses_mongo=True,
        service="checkout",
    )


CHECKOUT = Capability(
    "checkout",
    functions=(
        _step("validate-cart", "validate_cart", "the cart as taken, against the catalog now."),
        _step("reserve-items", "reserve_items", "hold every line's units (conditional writes), or none."),
        _step("create-orders", "create_orders", "one order per seller, priced by the fee quote."),
        _step(
            "request-payment",
            "request_payment",
            "one PaymentIntent for the checkout.",
            stripe=True,
            timeout_s=25,
        ),
        _step(
            "mark-paid",
            "mark_paid",
            "orders paid and the ledger posted in one transaction.",
            stripe=True,
            timeout_s=25,
        ),
        _step(
            "complete-sale",
            "complete_sale",
            "stock settled, cart cleared, buyer and sellers told, OrderPaid announced.",
            timeout_s=25,
            environment={**_CARTS, **_NOTIFY},
            grants=(
                Grant(Kind.TABLE, "carts", "read_write"),
                Grant(Kind.TOPIC, "notifications", "publish"),
                _PUBLISH,
            ),
        ),
        _step(
            "abandon",
            "abandon_checkout",
            "cancel the PaymentIntent, release the holds, close the orders and the checkout.",
            stripe=True,
            timeout_s=25,
            environment=dict(_NOTIFY),
            # AgreedCheckoutEnded: an agreement's checkout tells its source how it ended
            grants=(Grant(Kind.TOPIC, "notifications", "publish"), _PUBLISH),
        ),
        _step(
            "refund",
            "refund_checkout",
            "refund a payment that could not be recorded.",
            stripe=True,
            timeout_s=25,
            grants=(_PUBLISH,),
        ),
        Function(
            "api-checkout",
            handler="lambdas.api.checkout.handler",
            description="Checkout API: start, read and cancel checkouts; an order's timeline.",
            timeout_s=20,
            environment={
                **_STRIPE,
                **_CARTS,
                "CHECKOUT_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "checkout", Attr.ARN),
                "CHECKOUT_EXPIRY_SECONDS": "1800",
                # POST /checkout {auction_id}: the won auction read (workflows.auctions.checkouts)
                "AUCTION_BIDS_TABLE": Ref(Kind.TABLE, "auction-bids"),
            },
            grants=(
                _READ_STRIPE,
                Grant(Kind.TABLE, "carts", "read"),
                Grant(Kind.STATE_MACHINE, "checkout", "start"),
                Grant(Kind.TABLE, "auction-bids", "read"),
            ),
            uses_postgres=True,
            uses_mongo=True,
            service="checkout",
        ),
    ),
    routes=(
        Route("POST", "/checkout", "user", FunctionTarget("api-checkout")),
        Route("GET", "/checkouts/{checkout_id}", "user", FunctionTarget("api-checkout")),
        Route("POST", "/checkouts/{checkout_id}/cancel", "user", FunctionTarget("api-checkout")),
        Route("GET", "/orders/{order_id}/timeline", "user", FunctionTarget("api-checkout")),
        Route("GET", "/me/checkouts", "user", FunctionTarget("api-checkout")),
    ),
    state_machines=(
        StateMachine(
            "checkout",
            definition="checkout.json",
            type="STANDARD",
            substitutions={
                "CheckoutPreparationStateMachineArn": Ref(
                    Kind.STATE_MACHINE, "checkout-preparation", Attr.ARN
                ),
                "MarkPaidFunctionArn": Ref(Kind.FUNCTION, "checkout-mark-paid", Attr.ARN),
                "CompleteSaleFunctionArn": Ref(Kind.FUNCTION, "checkout-complete-sale", Attr.ARN),
                "AbandonCheckoutFunctionArn": Ref(Kind.FUNCTION, "checkout-abandon", Attr.ARN),
                "RefundCheckoutFunctionArn": Ref(Kind.FUNCTION, "checkout-refund", Attr.ARN),
                "WaitForEventFunctionArn": Ref(Kind.FUNCTION, "wait-for-event", Attr.ARN),
            },
            # a cart's checkout expires in minutes; one at an agreed price at the agreement's
            # deadline (an offer's 48 hours, an auction's days to pay): at most two weeks
            timeout_s=15 * 86_400,
        ),
        # the synchronous part before the buyer pays, nested: one Standard transition, not six
        StateMachine(
            "checkout-preparation",
            definition="checkout_preparation.json",
            type="EXPRESS",
            substitutions={
                "ValidateCartFunctionArn": Ref(Kind.FUNCTION, "checkout-validate-cart", Attr.ARN),
                "ReserveItemsFunctionArn": Ref(Kind.FUNCTION, "checkout-reserve-items", Attr.ARN),
                "CreateOrdersFunctionArn": Ref(Kind.FUNCTION, "checkout-create-orders", Attr.ARN),
                "RequestPaymentFunctionArn": Ref(Kind.FUNCTION, "checkout-request-payment", Attr.ARN),
                "FeeCalculationStateMachineArn": Ref(Kind.STATE_MACHINE, "fee-calculation", Attr.ARN),
            },
            timeout_s=300,  # Express's limit; the parent's task waits 310 s
            failures_caught_by_caller=True,  # a refused cart fails it: checkout judges that
        ),
    ),
)
