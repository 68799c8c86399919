"""Saved cards: one payment-provider customer per user, SetupIntents, the cards, detaching one."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from workflows.accounts.errors import PaymentMethodNotFound
from workflows.accounts.model import UserRecord
from workflows.accounts.views import PaymentMethod, PaymentMethodPage, SetupIntentResult
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from workflows.accounts.ports import CardVault, UnitOfWork
    from workflows.shared.identity import Caller


def customer_idempotency_key(user_id: str) -> str:
    """The provider's idempotency key for creating this user's customer (the same on every try)."""
    return f"customer-{derived_id('stripe-customer', user_id)}"


class PaymentMethodsService:
    def __init__(self, *, uow: Callable[[], UnitOfWork], vault: CardVault) -> None:
        self._uow = uow
        self._vault = vault

    def setup(self, caller: Caller) -> SetupIntentResult:
        customer_id = self._customer(caller)
        setup_intent_id, client_secret = self._vault.create_setup_intent(customer_id)
        return SetupIntentResult(setup_intent_id=setup_intent_id, client_secret=client_secret)

    def list(self, caller: Caller, *, limit: int, cursor: str | None) -> PaymentMethodPage:
        customer_id = self._existing_customer(caller)
        if customer_id is None:
            return PaymentMethodPage(items=[], next_cursor=None)
        cards, more = self._vault.list_cards(customer_id, limit=limit, after=cursor)
        default = self._vault.default_payment_method(customer_id)
        items = [
            PaymentMethod(
                payment_method_id=c.payment_method_id,
                brand=c.brand,
                last4=c.last4,
                exp_month=c.exp_month,
                exp_year=c.exp_year,
                is_default=c.payment_method_id == default,
            )
            for c in cards
        ]
        return PaymentMethodPage(
            items=items, next_cursor=cards[-1].payment_method_id if more and cards else None
        )

    def delete(self, caller: Caller, payment_method_id: str) -> None:
        customer_id = self._existing_customer(caller)
        if customer_id is None or self._vault.owner_of(payment_method_id) != customer_id:
            raise PaymentMethodNotFound("No such payment method.")
        self._vault.detach(payment_method_id)

    # -- the customer --------------------------------------------------------------------------

    def _existing_customer(self, caller: Caller) -> str | None:
        with self._uow() as uow:
            user = uow.users.get(caller.user_id)
        return user.stripe_customer_id if user else None

    def _customer(self, caller: Caller) -> str:
        """The caller's customer, created once.

        Concurrent first calls queue on the user's row lock, and the provider's idempotency key
        (derived from the user id) gives a retried creation the customer the first try made.
        """
        with self._uow() as uow:
            if uow.users.get(caller.user_id) is None:
                uow.users.ensure(UserRecord(user_id=caller.user_id, email=caller.email.lower(), name=None))
            user = uow.users.get(caller.user_id, for_update=True)
            if user is None:  # pragma: no cover - made just above, in this transaction
                raise RuntimeError("profile row missing")
            if user.stripe_customer_id:
                return user.stripe_customer_id
            customer_id = self._vault.create_customer(
                user_id=user.user_id,
                email=user.email,
                name=user.name,
                idempotency_key=customer_idempotency_key(user.user_id),
            )
            uow.users.update(dataclasses.replace(user, stripe_customer_id=customer_id))
            uow.commit()
        return customer_id
