"""Stripe transfers to connected accounts.

Implements ``workflows.payouts.ports.TransferGateway`` with the official SDK's ``StripeClient``
(Stripe's side of reconciliation is ``adapters/stripe/reconciliation.py``).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import stripe

from adapters.stripe.calls import stripe_call
from workflows.payouts.errors import PayoutNotPayable
from workflows.payouts.ports import TransferState
from workflows.shared.money import Money

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

    def retrieve(self, transfer_id: str) -> TransferState | None:
        """The transfer as Stripe has it, with every reversal (Stripe embeds the first ten)."""
        try:
            found = stripe_call(lambda: self._client.v1.transfers.retrieve(transfer_id))
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing" or exc.http_status == 404:
                return None
            raise
        transfer: dict[str, Any] = found.to_dict()
        currency = str(transfer["currency"]).upper()
        embedded = transfer.get("reversals") or {}
        reversals: list[dict[str, Any]] = list(embedded.get("data") or [])
        if embedded.get("has_more"):
            reversals = [
                r.to_dict()
                for r in _pages(
                    lambda p: self._client.v1.transfers.reversals.list(transfer_id, params=p)  # type: ignore[arg-type]
                )
            ]
        return TransferState(
            transfer_id=str(transfer["id"]),
            amount=Money(int(transfer["amount"]), currency),
            order_id=(transfer.get("metadata") or {}).get("order_id"),
            reversals=tuple(
                (str(r["id"]), Money(int(r["amount"]), str(r["currency"]).upper())) for r in reversals
            ),
        )


def _pages(list_page: Callable[[dict[str, Any]], Any]) -> Iterator[Any]:
    params: dict[str, Any] = {"limit": _PAGE}
    while True:
        page = stripe_call(partial(list_page, params))
        yield from page.data
        if not page.has_more or not page.data:
            return
        params = {"limit": _PAGE, "starting_after": page.data[-1].id}
