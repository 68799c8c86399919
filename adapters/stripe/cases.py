"""Stripe for cases: reversals of a seller's transfer (``workflows.cases.ports.TransferReversals``).

A reversal Stripe refuses because the connected account cannot cover it (``balance_insufficient``,
or a transfer reversed in full already) is answered as refused, never raised: the service records
the shortfall as the seller's debt. Anything else Stripe refuses is a bug or a changed object and
is raised (the step's Catch reports it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import stripe

from adapters.stripe.calls import stripe_call
from workflows.cases.ports import DisputeState, ReversalResult
from workflows.shared.money import Money

if TYPE_CHECKING:
    from workflows.cases.ports import ReversalRequest

#: Stripe's codes for a reversal the seller's balance (or the transfer) cannot give
_CANNOT_COVER = frozenset(
    {"balance_insufficient", "insufficient_funds", "transfer_already_reversed", "amount_too_large"}
)


class StripeTransferReversals:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def reverse(self, request: ReversalRequest) -> ReversalResult:
        params: dict[str, Any] = {"amount": request.amount.amount_minor, "metadata": request.metadata}
        try:
            reversal = stripe_call(
                lambda: self._client.v1.transfers.reversals.create(
                    request.transfer_id,
                    params=params,  # type: ignore[arg-type]
                    options={"idempotency_key": request.idempotency_key},
                )
            )
        except stripe.InvalidRequestError as exc:
            if exc.code in _CANNOT_COVER:
                return ReversalResult(reversal_id=None, refused=str(exc.code))
            raise
        return ReversalResult(reversal_id=str(reversal.id))


def _dispute(found: dict[str, Any]) -> DisputeState:
    currency = str(found["currency"]).upper()
    withdrawn = fee = reinstated = None
    for txn in found.get("balance_transactions") or []:
        amount = int(txn.get("amount") or 0)
        if amount < 0:
            withdrawn = Money(-amount, currency)
            fee = Money(int(txn.get("fee") or 0), currency)
        elif amount > 0:
            reinstated = Money(amount, currency)
    due = (found.get("evidence_details") or {}).get("due_by")
    payment_intent = found.get("payment_intent")
    charge = found.get("charge")
    return DisputeState(
        dispute_id=str(found["id"]),
        status=str(found["status"]),
        amount=Money(int(found["amount"]), currency),
        reason=str(found.get("reason") or "general"),
        payment_intent_id=str(payment_intent) if payment_intent else None,
        charge_id=str(charge) if charge else None,
        withdrawn=withdrawn,
        fee=fee if fee and fee.amount_minor else None,
        reinstated=reinstated,
        evidence_due_by=datetime.fromtimestamp(int(due), UTC) if due else None,
    )


class StripeDisputes:
    """``workflows.cases.ports.DisputeGateway``: a dispute as Stripe has it; evidence sent to it."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def retrieve(self, dispute_id: str) -> DisputeState | None:
        try:
            found = stripe_call(lambda: self._client.v1.disputes.retrieve(dispute_id))
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing" or exc.http_status == 404:
                return None
            raise
        return _dispute(found.to_dict())

    def submit_evidence(self, dispute_id: str, evidence: dict[str, str], *, submit: bool) -> DisputeState:
        params: dict[str, Any] = {"evidence": evidence, "submit": submit}
        updated = stripe_call(
            lambda: self._client.v1.disputes.update(dispute_id, params=params)  # type: ignore[arg-type]
        )
        return _dispute(updated.to_dict())
