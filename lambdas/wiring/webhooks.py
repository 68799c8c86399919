"""Webhooks: Stripe's signed webhooks, verified, onto the bus that has the Stripe bus's rules."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from adapters.aws.stripe_webhooks import EventBridgeStripeForwarder
    from adapters.stripe.webhooks import StripeWebhookVerifier


class WebhooksSettings(Settings):
    """The bus verified Stripe webhooks are put on (it has the same rules as the Stripe bus)."""

    stripe_webhooks_bus_name: str = Field(validation_alias="STRIPE_WEBHOOKS_BUS_NAME")


class Webhooks:
    def verifier(self) -> StripeWebhookVerifier:
        """Built per call, not kept: the secret is read each time (Powertools caches it for 5
        minutes), so a rolled signing secret is seen."""
        from adapters.stripe.webhooks import StripeWebhookVerifier

        c = core.wiring()
        s = c.providers
        secrets = c.given_or_secret(
            s.stripe_webhook_secret, s.stripe_secret_arn, "webhook_secret", "Stripe webhook signing secret"
        )
        return StripeWebhookVerifier([part.strip() for part in secrets.split(",")])

    @cached_property
    def forwarder(self) -> EventBridgeStripeForwarder:
        from adapters.aws.stripe_webhooks import EventBridgeStripeForwarder
        from workflows.payments.webhooks import WEBHOOK_EVENT_SOURCE

        bus = load(WebhooksSettings).stripe_webhooks_bus_name
        return EventBridgeStripeForwarder(core.wiring().aws("events"), bus, WEBHOOK_EVENT_SOURCE)


def wiring() -> Webhooks:
    return container(Webhooks)
