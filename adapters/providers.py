"""Clients of the providers' official SDKs, pointed at the real APIs or at local stand-ins.

A base URL (``*_API_BASE``) is set only off AWS, where the local cloud's stand-ins answer; the
SDKs are otherwise used exactly as in production.
"""

from __future__ import annotations

import stripe
from sendgrid import SendGridAPIClient
from twilio.rest import Client as TwilioClient

#: (connect, read) seconds of one Stripe request. The SDK's default read timeout is 80 s, longer
#: than the 30 s a step that calls Stripe may take: three tries (two retries) of 2 + 6 s and their
#: back-off fit inside it, so a lost answer is retried by the SDK, with its idempotency key, and
#: not left to the step's timeout
STRIPE_TIMEOUT_S = (2.0, 6.0)


def stripe_client(
    secret_key: str, *, api_base: str | None = None, max_network_retries: int = 2
) -> stripe.StripeClient:
    """Stripe's client; retries network errors itself with idempotency keys, as the SDK does."""
    http_client = stripe.RequestsClient(timeout=STRIPE_TIMEOUT_S)
    if api_base:
        return stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base, "connect": api_base, "files": api_base},
            max_network_retries=max_network_retries,
            http_client=http_client,
        )
    return stripe.StripeClient(secret_key, max_network_retries=max_network_retries, http_client=http_client)


def twilio_client(account_sid: str, auth_token: str, *, api_base: str | None = None) -> TwilioClient:
    """Twilio's client. Its only base-URL setting is each domain's public ``base_url``."""
    client = TwilioClient(account_sid, auth_token)
    if api_base:
        # edge/region (also read from TWILIO_EDGE / TWILIO_REGION) would rewrite the host name
        client.edge = None
        client.region = None
        client.api.base_url = api_base
        client.verify.base_url = api_base
    return client


def sendgrid_client(api_key: str, *, api_base: str | None = None) -> SendGridAPIClient:
    """SendGrid's client; the host must be given at construction."""
    if api_base:
        return SendGridAPIClient(api_key, host=api_base)
    return SendGridAPIClient(api_key)
