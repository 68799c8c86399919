"""Stripe Connect: Express connected accounts and their hosted onboarding links.

Implements ``workflows.onboarding.ports.ConnectedAccounts`` with the official SDK's
``StripeClient``. Stripe's transient failures become ``TransientError`` (retried by the state
machine); a request Stripe refuses (an unsupported country, say) is ``ConnectedAccountRefused``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import stripe

from adapters.stripe.calls import stripe_call
from workflows.onboarding.errors import ConnectedAccountRefused
from workflows.onboarding.model import AccountLink, ConnectedAccount

if TYPE_CHECKING:
    from collections.abc import Callable


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC)


class StripeConnectedAccounts:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def create_express_account(
        self,
        *,
        country: str,
        business_type: str,
        default_currency: str,
        email: str | None,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> ConnectedAccount:
        params: dict[str, Any] = {
            "type": "express",
            "country": country,
            "business_type": business_type,
            "default_currency": default_currency.lower(),
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "metadata": metadata,
        }
        if email:
            params["email"] = email
        account = _call(
            lambda: self._client.v1.accounts.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        )
        return ConnectedAccount(account_id=str(account.id), created=_moment(account.created))

    def create_onboarding_link(self, account_id: str, *, refresh_url: str, return_url: str) -> AccountLink:
        params: dict[str, Any] = {
            "account": account_id,
            "type": "account_onboarding",
            "refresh_url": refresh_url,
            "return_url": return_url,
        }
        link = _call(lambda: self._client.v1.account_links.create(params=params))  # type: ignore[arg-type]
        return AccountLink(
            url=str(link.url), created=_moment(link.created), expires_at=_moment(link.expires_at)
        )


def _call(operation: Callable[[], Any]) -> Any:
    try:
        return stripe_call(operation)
    except stripe.InvalidRequestError as exc:
        raise ConnectedAccountRefused(
            f"Stripe refused the request: {exc.user_message or exc}",
            details={"stripe_code": exc.code, "param": exc.param},
        ) from exc
