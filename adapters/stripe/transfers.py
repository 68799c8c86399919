"""Stripe transfers to connected accounts, and Stripe's side of reconciliation.

Implements ``workflows.payouts.ports.TransferGateway`` and
``workflows.payouts.reconciliation.StripeSide`` with the official SDK's ``StripeClient``.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import TYPE_CHECKING, Any

import stripe

from adapters.stripe.calls import stripe_call
from workflows.payouts.errors import PayoutNotPayable
from workflows.payouts.reconciliation import StripeCharge, StripeTransfer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from workflows.payouts.ports import TransferRequest

_PAGE = 100


class StripeTransfers:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def create(self, request: TransferRequest) -> str:
        params: dict[str, Any] = {
            "amount": request.amount.amount_minor,
            "currency": request.amount.currency.lower(),
            "destination": request.destination,
            "source_transaction": request.source_transaction,
            "transfer_group": request.transfer_group,
            "metadata": request.metadata,
        }
        try:
            transfer = stripe_call(
                lambda: self._client.v1.transfers.create(
                    params=params,  # type: ignore[arg-type]
                    options={"idempotency_key": request.idempotency_key},
                )
            )
        except stripe.InvalidRequestError as exc:
            # an account that cannot receive, a charge that cannot fund it: not retried
            raise PayoutNotPayable(
                f"Stripe refused the transfer: {exc.user_message or exc}",
                details={"stripe_code": exc.code, "param": getattr(exc, "param", None)},
            ) from exc
        return str(transfer.id)


def _pages(list_page: Callable[[dict[str, Any]], Any]) -> Iterator[Any]:
    params: dict[str, Any] = {"limit": _PAGE}
    while True:
        page = stripe_call(partial(list_page, params))
        yield from page.data
        if not page.has_more or not page.data:
            return
        params = {"limit": _PAGE, "starting_after": page.data[-1].id}


class StripeReconciliationSide:
    """What Stripe says: the platform's transfers and the charges captured per PaymentIntent."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def transfers(self) -> list[StripeTransfer]:
        found = []
        for t in _pages(lambda p: self._client.v1.transfers.list(params=p)):  # type: ignore[arg-type]
            metadata = t.metadata.to_dict() if t.metadata else {}
            found.append(
                StripeTransfer(
                    transfer_id=str(t.id),
                    amount=int(t.amount),
                    amount_reversed=int(t.amount_reversed or 0),
                    currency=str(t.currency).upper(),
                    order_id=metadata.get("order_id"),
                )
            )
        return found

    def charges(self) -> list[StripeCharge]:
        """Charges of the platform's balance (balance transactions of type ``charge``), per PaymentIntent."""
        charged: dict[str, int] = {}

        def charge_transactions(params: dict[str, Any]) -> Any:
            return self._client.v1.balance_transactions.list(params={**params, "type": "charge"})  # type: ignore[arg-type]

        for txn in _pages(charge_transactions):
            source = txn.source if isinstance(txn.source, str) else getattr(txn.source, "id", None)
            if source:
                charged[str(source)] = charged.get(str(source), 0) + int(txn.amount)
        by_intent: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        for charge in _pages(lambda p: self._client.v1.charges.list(params=p)):  # type: ignore[arg-type]
            intent = charge.payment_intent if isinstance(charge.payment_intent, str) else None
            if intent is None and charge.payment_intent is not None:
                intent = str(charge.payment_intent.id)
            if intent is None or str(charge.id) not in charged:
                continue
            captured = int(charge.amount_captured or 0)
            by_intent[(intent, str(charge.currency).upper())].append((str(charge.id), captured))
        return [
            StripeCharge(
                payment_intent_id=intent,
                charge_ids=tuple(sorted(c for c, _ in charges)),
                captured=sum(amount for _, amount in charges),
                currency=currency,
            )
            for (intent, currency), charges in sorted(by_intent.items())
        ]
