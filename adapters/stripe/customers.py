"""Stripe customers and their saved cards (SetupIntents, PaymentMethods).

Implements ``workflows.accounts.ports.CardVault`` with the official SDK's ``StripeClient``.
"""

from __future__ import annotations

from typing import Any

import stripe

from adapters.stripe.calls import stripe_call
from workflows.accounts.model import Card
from workflows.shared.errors import InvalidCursor


class StripeCardVault:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def create_customer(self, *, user_id: str, email: str, name: str | None, idempotency_key: str) -> str:
        params: dict[str, Any] = {"email": email, "metadata": {"user_id": user_id}}
        if name:
            params["name"] = name
        customer = stripe_call(
            lambda: self._client.v1.customers.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        )
        return str(customer.id)

    def create_setup_intent(self, customer_id: str) -> tuple[str, str]:
        params: dict[str, Any] = {
            "customer": customer_id,
            "usage": "off_session",
            "payment_method_types": ["card"],
        }
        intent = stripe_call(lambda: self._client.v1.setup_intents.create(params=params))  # type: ignore[arg-type]
        return str(intent.id), str(intent.client_secret)

    def list_cards(self, customer_id: str, *, limit: int, after: str | None) -> tuple[list[Card], bool]:
        params: dict[str, Any] = {"type": "card", "limit": limit}
        if after:
            params["starting_after"] = after
        try:
            page = stripe_call(
                lambda: self._client.v1.customers.payment_methods.list(customer_id, params=params)  # type: ignore[arg-type]
            )
        except stripe.InvalidRequestError as exc:
            if after:  # a cursor that is not one of this customer's cards
                raise InvalidCursor("The cursor is not one this API gave out.") from exc
            raise
        cards = []
        for pm in page.data:
            card = pm.card
            if card is None:
                continue
            cards.append(
                Card(
                    payment_method_id=str(pm.id),
                    brand=str(card.brand),
                    last4=str(card.last4),
                    exp_month=int(card.exp_month),
                    exp_year=int(card.exp_year),
                )
            )
        return cards, bool(page.has_more)

    def default_payment_method(self, customer_id: str) -> str | None:
        customer = stripe_call(lambda: self._client.v1.customers.retrieve(customer_id))
        settings = customer.invoice_settings
        default = settings.default_payment_method if settings else None
        if default is None:
            return None
        return default if isinstance(default, str) else str(default.id)

    def owner_of(self, payment_method_id: str) -> str | None:
        try:
            pm = stripe_call(lambda: self._client.v1.payment_methods.retrieve(payment_method_id))
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing" or exc.http_status == 404:
                return None
            raise
        customer = pm.customer
        if customer is None:
            return None
        return customer if isinstance(customer, str) else str(customer.id)

    def detach(self, payment_method_id: str) -> None:
        stripe_call(lambda: self._client.v1.payment_methods.detach(payment_method_id))
