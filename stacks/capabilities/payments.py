"""Payments plumbing: Stripe's events resume the workflows that wait for them."""

from __future__ import annotations

from stacks.model import Capability, Function, Grant, Kind, Ref, Rule, RuleTarget

#: Stripe event types routed to the stripe-events consumer (the types
#: workflows.payments.stripe_events.RESUMING_EVENTS reads; a test keeps them equal)
STRIPE_EVENTS_THAT_RESUME = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.amount_capturable_updated",
    "account.updated",
    "account.application.deauthorized",
    "transfer.reversed",
    "payout.paid",
    "payout.failed",
)

PAYMENTS = Capability(
    "payments",
    functions=(
        Function(
            "stripe-events",
            handler="lambdas.consumers.stripe_events.handler",
            description="Stripe events from EventBridge: deduplicate, resume the waiting workflow.",
            environment={"TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens")},
            grants=(
                Grant(Kind.TABLE, "task-tokens", "read_write"),
                Grant(Kind.TABLE, "idempotency", "read_write"),
                Grant(Kind.STATE_MACHINE, "*", "task_response"),
            ),
            service="payments",
        ),
        Function(
            "wait-for-event",
            handler="lambdas.steps.shared.wait_for_event.handler",
            description="Step: park a task token until the outside event it waits for arrives.",
            environment={"TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens")},
            grants=(
                Grant(Kind.TABLE, "task-tokens", "read_write"),
                Grant(Kind.STATE_MACHINE, "*", "task_response"),
            ),
            service="workflows",
        ),
    ),
    rules=(
        Rule(
            "stripe-events",
            bus="stripe",
            event_pattern={"detail-type": list(STRIPE_EVENTS_THAT_RESUME)},
            targets=(RuleTarget("function", "stripe-events"),),
            description="Stripe events that move a workflow forward.",
        ),
    ),
)
