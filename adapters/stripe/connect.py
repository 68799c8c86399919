"""Stripe Connect: Express connected accounts, their hosted onboarding links, and what an account
can do now (read from Stripe whenever an event says it changed).

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
from workflows.onboarding.model import AccountLink, AccountState, ConnectedAccount

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

    def retrieve_account(self, account_id: str) -> AccountState:
        try:
            found = stripe_call(lambda: self._client.v1.accounts.retrieve(account_id))
        except stripe.PermissionError:
            # the account took its authorization back: the platform may not read it any more
            return AccountState.disconnected(account_id)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing" or exc.http_status == 404:
                return AccountState.disconnected(account_id)
            raise
        account: dict[str, Any] = found.to_dict()
        requirements = account.get("requirements") or {}
        due = set(requirements.get("currently_due") or []) | set(requirements.get("past_due") or [])
        return AccountState(
            account_id=str(account["id"]),
            charges_enabled=bool(account.get("charges_enabled")),
            payouts_enabled=bool(account.get("payouts_enabled")),
            details_submitted=bool(account.get("details_submitted")),
            requirements_due=tuple(sorted(due)),
            disabled_reason=requirements.get("disabled_reason"),
        )


def _call(operation: Callable[[], Any]) -> Any:
    try:
        return stripe_call(operation)
    except stripe.InvalidRequestError as exc:
        raise ConnectedAccountRefused(
            f"Stripe refused the request: {exc.user_message or exc}",
            details={"stripe_code": exc.code, "param": exc.param},
        ) from exc
