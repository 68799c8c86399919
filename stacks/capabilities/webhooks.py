"""Webhooks: Stripe's signed webhooks, for accounts that send webhooks rather than EventBridge.

``POST /webhooks/stripe`` (public: the signature is the credential) verifies the body with the
endpoint's signing secret (``webhook_secret`` in the Stripe secret) and puts the event on the
``stripe-webhooks`` bus in Stripe's EventBridge shape. That bus has every rule of the ``stripe``
bus (``same_rules_as``: the topology attaches a copy of each), because the partner bus a deployed
stage uses for ``stripe`` cannot take PutEvents; so the same consumers act on it, and their
idempotency on the event id makes an event delivered both ways count once.
"""

from __future__ import annotations

from stacks.model import Attr, Bus, Capability, Function, FunctionTarget, Grant, Kind, Ref, Route

WEBHOOKS = Capability(
    "webhooks",
    functions=(
        Function(
            "api-webhooks",
            handler="lambdas.api.webhooks.handler",
            description="POST /webhooks/stripe: verify Stripe's signature, put the event on its bus.",
            environment={
                "STRIPE_SECRET_ARN": Ref(Kind.SECRET, "stripe", Attr.ARN),
                "STRIPE_WEBHOOKS_BUS_NAME": Ref(Kind.BUS, "stripe-webhooks"),
            },
            grants=(
                Grant(Kind.SECRET, "stripe", "read"),
                Grant(Kind.BUS, "stripe-webhooks", "publish"),
            ),
            service="payments",
        ),
    ),
    routes=(Route("POST", "/webhooks/stripe", "public", FunctionTarget("api-webhooks")),),
    buses=(
        Bus(
            "stripe-webhooks",
            same_rules_as="stripe",
            description="Stripe's events from signed webhooks, with the Stripe bus's rules.",
        ),
    ),
)
