"""Payouts: fulfilment (ship, confirm delivery, cancel), the payout Standard state machine and its
steps, the sellers' finance reads, an order's ledger for admins, and the daily reconciliation.

``OrderPaid`` (from checkout, on the domain bus) reaches ``payouts-order-paid``, which records the
payout and starts ``payout`` named ``payout-<order_id>`` (an EventBridge target cannot name an
execution). Stripe's transfer events reach ``payouts-stripe-transfers`` (the ledger records what
Stripe did, whatever the order of the events). Stripe's refund events reach
``payouts-stripe-refunds`` (a pending refund settles: ``refund_paid`` once, or reversed and reported).
"""

from __future__ import annotations

from stacks.capabilities import NOTIFY_ENV, PUBLISH_NOTIFICATIONS, READ_STRIPE, STRIPE_ENV
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

_STRIPE = STRIPE_ENV
_STRIPE_GRANT = READ_STRIPE
_NOTIFY = NOTIFY_ENV
_NOTIFY_GRANT = PUBLISH_NOTIFICATIONS
_WAITS = {"TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens")}
_WAITS_GRANTS = (
    Grant(Kind.TABLE, "task-tokens", "read_write"),
    Grant(Kind.STATE_MACHINE, "payout", "task_response"),
)

#: a payout waits at most a year (shipment, delivery window, holds, disputes)
MACHINE_TIMEOUT_S = 365 * 86_400

#: the fulfilment service needs all of these (Stripe refunds, stock, waits, notifications, and the
#: domain bus for OrderDelivered)
_FULFILMENT_ENV: dict[str, str | Ref] = {**_STRIPE, **_NOTIFY, **_WAITS}
_FULFILMENT_GRANTS = (_STRIPE_GRANT, _NOTIFY_GRANT, *_WAITS_GRANTS, Grant(Kind.BUS, "domain", "publish"))


def _step(module: str, description: str, *, stripe: bool = False, fulfilment: bool = False) -> Function:
    environment: dict[str, str | Ref] = dict(_FULFILMENT_ENV) if fulfilment else {**_NOTIFY}
    grants: tuple[Grant, ...] = _FULFILMENT_GRANTS if fulfilment else (_NOTIFY_GRANT,)
    if stripe:
        environment |= _STRIPE
        grants = (*grants, _STRIPE_GRANT)
    return Function(
        f"payouts-{module.replace('_', '-')}",
        handler=f"lambdas.steps.payouts.{module}.handler",
        description=f"Step of payout: {description}",
        timeout_s=25,
        environment=environment,
        grants=grants,
        uses_postgres=True,
        uses_mongo=fulfilment,
        service="payouts",
    )


PAYOUTS = Capability(
    "payouts",
    functions=(
        Function(
            "api-fulfilment",
            handler="lambdas.api.fulfilment.handler",
            description="POST /orders/{order_id}/ship, /confirm-delivery, /cancel.",
            timeout_s=20,
            environment=dict(_FULFILMENT_ENV),
            grants=_FULFILMENT_GRANTS,
            uses_postgres=True,
            uses_mongo=True,
            service="fulfilment",
        ),
        Function(
            "api-seller-finance",
            handler="lambdas.api.seller_finance.handler",
            description="GET /sellers/me/balance, /sellers/me/payouts, /sellers/me/reports/sales.",
            uses_postgres=True,
            service="payouts",
        ),
        Function(
            "api-admin-ledger",
            handler="lambdas.api.admin_ledger.handler",
            description="GET /admin/orders/{order_id}/ledger: an order's entries, for admins.",
            uses_postgres=True,
            service="payouts",
        ),
        Function(
            "payouts-order-paid",
            handler="lambdas.consumers.payouts_order_paid.handler",
            description="OrderPaid: record the order's payout and start payout-<order_id>.",
            timeout_s=15,
            environment={"PAYOUT_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "payout", Attr.ARN)},
            grants=(Grant(Kind.STATE_MACHINE, "payout", "start"),),
            uses_postgres=True,
            service="payouts",
        ),
        Function(
            "payouts-stripe-transfers",
            handler="lambdas.consumers.payouts_stripe_transfers.handler",
            description="Stripe transfer.created / transfer.reversed: the transfer read from Stripe, "
            "recorded once.",
            timeout_s=15,
            environment=dict(_STRIPE),
            grants=(Grant(Kind.TABLE, "idempotency", "read_write"), _STRIPE_GRANT),
            uses_postgres=True,
            service="payouts",
        ),
        Function(
            "payouts-stripe-refunds",
            handler="lambdas.consumers.payouts_stripe_refunds.handler",
            description="Stripe refund.updated / charge.refund.updated / refund.failed: the refund read "
            "from Stripe settles the ledger once; a failed one is reversed and reported to the admins.",
            timeout_s=15,
            environment={**_STRIPE, **_NOTIFY},
            grants=(Grant(Kind.TABLE, "idempotency", "read_write"), _STRIPE_GRANT, _NOTIFY_GRANT),
            uses_postgres=True,
            service="payouts",
        ),
        Function(
            "payouts-reconcile",
            handler="lambdas.jobs.reconcile.handler",
            description="Daily: the ledger against Stripe's charges, transfers, reversals and refunds.",
            memory_mb=512,
            timeout_s=300,
            environment=dict(_STRIPE),
            grants=(_STRIPE_GRANT,),
            uses_postgres=True,
            service="payouts",
        ),
        _step(
            "check_payout",
            "wait for shipment or delivery, or once delivered the holds: transfer, hold or stop.",
        ),
        _step("auto_confirm_delivery", "the delivery window passed: confirm for the buyer.", fulfilment=True),
        _step(
            "transfer_to_seller",
            "the seller's net to their connected account, the ledger, and the seller told.",
            stripe=True,
        ),
        _step("stop_payout", "the order was cancelled or refunded: nothing is sent."),
    ),
    routes=(
        Route("POST", "/orders/{order_id}/ship", "user", FunctionTarget("api-fulfilment")),
        Route("POST", "/orders/{order_id}/confirm-delivery", "user", FunctionTarget("api-fulfilment")),
        Route("POST", "/orders/{order_id}/cancel", "user", FunctionTarget("api-fulfilment")),
        Route("GET", "/sellers/me/balance", "seller", FunctionTarget("api-seller-finance")),
        Route("GET", "/sellers/me/payouts", "seller", FunctionTarget("api-seller-finance")),
        Route("GET", "/sellers/me/reports/sales", "seller", FunctionTarget("api-seller-finance")),
        Route("GET", "/admin/orders/{order_id}/ledger", "admin", FunctionTarget("api-admin-ledger")),
    ),
    state_machines=(
        StateMachine(
            "payout",
            definition="payout.json",
            type="STANDARD",
            substitutions={
                "CheckPayoutFunctionArn": Ref(Kind.FUNCTION, "payouts-check-payout", Attr.ARN),
                "WaitForEventFunctionArn": Ref(Kind.FUNCTION, "wait-for-event", Attr.ARN),
                "AutoConfirmDeliveryFunctionArn": Ref(
                    Kind.FUNCTION, "payouts-auto-confirm-delivery", Attr.ARN
                ),
                "TransferToSellerFunctionArn": Ref(Kind.FUNCTION, "payouts-transfer-to-seller", Attr.ARN),
                "StopPayoutFunctionArn": Ref(Kind.FUNCTION, "payouts-stop-payout", Attr.ARN),
            },
            timeout_s=MACHINE_TIMEOUT_S,
        ),
    ),
    rules=(
        Rule(
            "payouts-order-paid",
            bus="domain",
            event_pattern={"source": ["resale.checkout"], "detail-type": ["OrderPaid"]},
            targets=(RuleTarget("function", "payouts-order-paid"),),
            description="A paid order's payout is recorded and its workflow started.",
        ),
        Rule(
            "payouts-stripe-transfers",
            bus="stripe",
            event_pattern={"detail-type": ["transfer.created", "transfer.reversed"]},
            targets=(RuleTarget("function", "payouts-stripe-transfers"),),
            description="Stripe's transfers and reversals reach the ledger.",
        ),
        Rule(
            "payouts-stripe-refunds",
            bus="stripe",
            event_pattern={"detail-type": ["refund.updated", "charge.refund.updated", "refund.failed"]},
            targets=(RuleTarget("function", "payouts-stripe-refunds"),),
            description="A pending refund settles: refund_paid once, or a failure reversed and reported.",
        ),
        Rule(
            "payouts-reconcile",
            schedule="rate(1 day)",
            targets=(RuleTarget("function", "payouts-reconcile"),),
            description="Reconcile the ledger with Stripe once a day.",
        ),
    ),
)
