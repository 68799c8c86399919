"""Stripe PaymentIntents and refunds for checkout, with the official SDK's ``StripeClient``.

Implements ``workflows.checkout.ports.Payments``. Separate charges and transfers: the whole
checkout is one charge on the platform's account, grouped by ``transfer_group`` (the checkout
id) with the transfers that later pay each seller. Every creating call carries an idempotency
key derived from the checkout, so a retried step gets Stripe's first answer again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import stripe

from adapters.stripe.calls import stripe_call
from workflows.checkout.errors import PaymentRejected
from workflows.checkout.model import PaymentIntentState
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable

_UNEXPECTED_STATE = "payment_intent_unexpected_state"


def _state(pi: Any) -> PaymentIntentState:
    error = pi.last_payment_error
    charge = pi.latest_charge
    return PaymentIntentState(
        payment_intent_id=str(pi.id),
        status=str(pi.status),
        amount=Money(int(pi.amount), str(pi.currency).upper()),
        client_secret=pi.client_secret,
        latest_charge=(charge if isinstance(charge, str) else str(charge.id)) if charge else None,
        failure_code=(error.decline_code or error.code) if error else None,
        failure_message=error.message if error else None,
    )


def _rejected(operation: Callable[[], Any]) -> Any:
    """A request Stripe refuses (amount too small, unknown customer) is a business outcome."""
    try:
        return stripe_call(operation)
    except stripe.InvalidRequestError as exc:
        raise PaymentRejected(f"Stripe refused the payment: {exc.user_message or exc}") from exc


class StripePayments:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def create_intent(
        self,
        *,
        amount: Money,
        transfer_group: str,
        customer: str | None,
        metadata: dict[str, str],
        description: str,
        idempotency_key: str,
    ) -> PaymentIntentState:
        params: dict[str, Any] = {
            "amount": amount.amount_minor,
            "currency": amount.currency.lower(),
            "transfer_group": transfer_group,
            "payment_method_types": ["card"],
            "metadata": metadata,
            "description": description,
        }
        if customer:
            params["customer"] = customer
        pi = _rejected(
            lambda: self._client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        )
        return _state(pi)

    def retrieve(self, payment_intent_id: str) -> PaymentIntentState:
        return _state(stripe_call(lambda: self._client.v1.payment_intents.retrieve(payment_intent_id)))

    def cancel(self, payment_intent_id: str, *, idempotency_key: str) -> PaymentIntentState:
        try:
            pi = stripe_call(
                lambda: self._client.v1.payment_intents.cancel(
                    payment_intent_id,
                    params={"cancellation_reason": "abandoned"},
                    options={"idempotency_key": idempotency_key},
                )
            )
        except stripe.InvalidRequestError as exc:
            if exc.code != _UNEXPECTED_STATE:
                raise
            # succeeded (or cancelled) meanwhile: the caller decides from the state
            return self.retrieve(payment_intent_id)
        return _state(pi)

    def refund(self, payment_intent_id: str, *, idempotency_key: str) -> str:
        refund = stripe_call(
            lambda: self._client.v1.refunds.create(
                params={"payment_intent": payment_intent_id, "reason": "requested_by_customer"},
                options={"idempotency_key": idempotency_key},
            )
        )
        return str(refund.id)
