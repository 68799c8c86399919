"""Stripe's side of reconciliation (``workflows.payouts.reconciliation.StripeSide``).

Each list asks Stripe for the objects created in the window (``created[gte]``/``created[lt]``)
and follows Stripe's cursor (``starting_after`` the last id while ``has_more``), one
:func:`~adapters.stripe.calls.stripe_call` per page. Transfer reversals have no list of their
own across transfers: they are the platform's balance transactions of type ``transfer_refund``,
each with its reversal expanded (``expand[]=data.source``).
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import TYPE_CHECKING, Any

import stripe

from adapters.stripe.calls import stripe_call
from workflows.payouts.reconciliation import StripeCharge, StripeRefund, StripeReversal, StripeTransfer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from workflows.payouts.reconciliation import Window

#: Stripe's largest page
PAGE_SIZE = 100


def _created(window: Window) -> dict[str, int]:
    return {"gte": int(window.start.timestamp()), "lt": int(window.end.timestamp())}


def _id(value: Any) -> str | None:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(value.id)


def _missing(exc: stripe.InvalidRequestError) -> bool:
    return exc.code == "resource_missing" or exc.http_status == 404


def _transfer(t: Any) -> StripeTransfer:
    metadata = t.metadata.to_dict() if t.metadata else {}
    return StripeTransfer(
        transfer_id=str(t.id),
        amount=int(t.amount),
        amount_reversed=int(t.amount_reversed or 0),
        currency=str(t.currency).upper(),
        order_id=metadata.get("order_id"),
    )


def _refund(r: Any) -> StripeRefund:
    metadata = r.metadata.to_dict() if r.metadata else {}
    return StripeRefund(
        refund_id=str(r.id),
        amount=int(r.amount),
        currency=str(r.currency).upper(),
        status=str(r.status or "pending"),
        order_id=metadata.get("order_id") or None,
        payment_intent_id=_id(r.payment_intent),
    )


def _reversal(r: Any) -> StripeReversal:
    return StripeReversal(
        reversal_id=str(r.id),
        transfer_id=str(_id(r.transfer)),
        amount=int(r.amount),
        currency=str(r.currency).upper(),
    )


def _by_intent(charges: Iterable[Any]) -> list[StripeCharge]:
    """The captured charges that reached the platform's balance, together per PaymentIntent."""
    grouped: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for charge in charges:
        intent = _id(charge.payment_intent)
        if intent is None or charge.status != "succeeded" or not charge.balance_transaction:
            continue
        captured = int(charge.amount_captured or 0)
        grouped[(intent, str(charge.currency).upper())].append((str(charge.id), captured))
    return [
        StripeCharge(
            payment_intent_id=intent,
            charge_ids=tuple(sorted(c for c, _ in found)),
            captured=sum(amount for _, amount in found),
            currency=currency,
        )
        for (intent, currency), found in sorted(grouped.items())
    ]


class StripeReconciliationSide:
    """What Stripe says: the platform's transfers, reversals, refunds and captured charges."""

    def __init__(self, client: stripe.StripeClient, *, page_size: int = PAGE_SIZE) -> None:
        self._client = client
        self._page_size = page_size

    def _pages(self, list_page: Callable[[dict[str, Any]], Any], params: dict[str, Any]) -> Iterator[Any]:
        """Every object of a list, page by page along Stripe's cursor."""
        params = {**params, "limit": self._page_size}
        while True:
            page = stripe_call(partial(list_page, params))
            yield from page.data
            if not page.has_more or not page.data:
                return
            params = {**params, "starting_after": page.data[-1].id}

    # transfers ---------------------------------------------------------------------------------
    def transfers(self, window: Window) -> list[StripeTransfer]:
        listing = self._client.v1.transfers.list
        return [_transfer(t) for t in self._pages(listing, {"created": _created(window)})]  # type: ignore[arg-type]

    def transfer(self, transfer_id: str) -> StripeTransfer | None:
        try:
            return _transfer(stripe_call(lambda: self._client.v1.transfers.retrieve(transfer_id)))
        except stripe.InvalidRequestError as exc:
            if _missing(exc):
                return None
            raise

    # charges -----------------------------------------------------------------------------------
    def charges(self, window: Window) -> list[StripeCharge]:
        listing = self._client.v1.charges.list
        return _by_intent(self._pages(listing, {"created": _created(window)}))  # type: ignore[arg-type]

    def charge(self, payment_intent_id: str) -> StripeCharge | None:
        listing = self._client.v1.charges.list
        found = _by_intent(self._pages(listing, {"payment_intent": payment_intent_id}))  # type: ignore[arg-type]
        return found[0] if found else None

    # refunds -----------------------------------------------------------------------------------
    def refunds(self, window: Window) -> list[StripeRefund]:
        listing = self._client.v1.refunds.list
        return [_refund(r) for r in self._pages(listing, {"created": _created(window)})]  # type: ignore[arg-type]

    def refund(self, refund_id: str) -> StripeRefund | None:
        try:
            return _refund(stripe_call(lambda: self._client.v1.refunds.retrieve(refund_id)))
        except stripe.InvalidRequestError as exc:
            if _missing(exc):
                return None
            raise

    # transfer reversals ------------------------------------------------------------------------
    def reversals(self, window: Window) -> list[StripeReversal]:
        listing = self._client.v1.balance_transactions.list
        params = {"type": "transfer_refund", "created": _created(window), "expand": ["data.source"]}
        found = []
        for txn in self._pages(listing, params):  # type: ignore[arg-type]
            if txn.source is not None and not isinstance(txn.source, str):
                found.append(_reversal(txn.source))
        return found

    def reversal(self, transfer_id: str, reversal_id: str) -> StripeReversal | None:
        try:
            return _reversal(
                stripe_call(lambda: self._client.v1.transfers.reversals.retrieve(transfer_id, reversal_id))
            )
        except stripe.InvalidRequestError as exc:
            if _missing(exc):
                return None
            raise
