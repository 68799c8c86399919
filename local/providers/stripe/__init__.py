"""A local stand-in for Stripe's API v1 with Connect, reached by the official SDK via its base URLs.

Usage::

    standin = StripeStandIn(clock=virtual_clock, event_sinks=[put_on_bus])
    url = standin.start()
    client = stripe.StripeClient(
        standin.secret_key, base_addresses={"api": url, "connect": url, "files": url}
    )
    ...
    standin.stop()

Test card ids (``pm_card_visa``, ``pm_card_chargeDeclined``, ...), the onboarding page behind
account links, webhook delivery and failure injection are described in the modules they live in.
"""

from __future__ import annotations

from local.providers.stripe.events import eventbridge_entry
from local.providers.stripe.standin import StripeStandIn

__all__ = ["StripeStandIn", "eventbridge_entry"]
