"""Balance transactions and the balances derived from them.

Every movement of money is one balance transaction on the account whose balance it changes.
A balance is the sum of the net amounts: ``available`` once ``available_on`` has passed on the
clock, ``pending`` before. Nothing else holds a balance, so the books always add up.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from local.providers.stripe.store import new_id

if TYPE_CHECKING:
    from collections.abc import Sequence

    from local.providers.stripe.context import Ctx
    from local.providers.stripe.store import Store

REPORTING_CATEGORY = {
    "charge": "charge",
    "payment": "charge",
    "refund": "refund",
    "payment_refund": "refund",
    "refund_failure": "refund_failure",
    "transfer": "transfer",
    "transfer_refund": "transfer_reversal",
    "application_fee": "platform_earning",
    "application_fee_refund": "platform_earning_refund",
    "payout": "payout",
    "adjustment": "dispute",
}


def fee_detail(amount: int, currency: str, kind: str, description: str) -> dict[str, Any]:
    return {
        "amount": amount,
        "application": None,
        "currency": currency,
        "description": description,
        "type": kind,
    }


def post(
    ctx: Ctx,
    owner: str,
    *,
    amount: int,
    currency: str,
    type_: str,
    source: str,
    fee_details: Sequence[dict[str, Any]] = (),
    available_on: int | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Record one movement on ``owner``'s balance; returns the balance transaction."""
    fee = sum(detail["amount"] for detail in fee_details)
    txn = {
        "id": new_id("txn_"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": ctx.now if available_on is None else available_on,
        "balance_type": "payments",
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": list(fee_details),
        "net": amount - fee,
        "reporting_category": REPORTING_CATEGORY[type_],
        "source": source,
        "status": "pending",
        "type": type_,
    }
    ctx.store.add(txn, owner)
    return txn


def totals(store: Store, owner: str, now: int) -> dict[str, tuple[int, int]]:
    """``currency -> (available, pending)`` for ``owner``."""
    available: dict[str, int] = defaultdict(int)
    pending: dict[str, int] = defaultdict(int)
    for record in store.all("balance_transaction", owner):
        txn = record.obj
        bucket = available if txn["available_on"] <= now else pending
        bucket[txn["currency"]] += txn["net"]
    return {
        currency: (available[currency], pending[currency]) for currency in available.keys() | pending.keys()
    }


def available(store: Store, owner: str, currency: str, now: int) -> int:
    return totals(store, owner, now).get(currency, (0, 0))[0]


def balance(store: Store, owner: str, now: int, default_currency: str) -> dict[str, Any]:
    sums = totals(store, owner, now)
    sums.setdefault(default_currency, (0, 0))
    currencies = sorted(sums)
    return {
        "object": "balance",
        "available": [
            {"amount": sums[c][0], "currency": c, "source_types": {"card": sums[c][0]}} for c in currencies
        ],
        "pending": [
            {"amount": sums[c][1], "currency": c, "source_types": {"card": sums[c][1]}} for c in currencies
        ],
        "livemode": False,
    }
