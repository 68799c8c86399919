"""Money a case or a lost dispute takes back from a seller who was paid already.

The refunded (or charged back) share of the seller's net is reversed from the transfer that paid
them, under a Stripe idempotency key derived from the business key; what Stripe cannot take back
(the connected account's balance does not cover it) is posted as the seller's debt, which their
later payouts repay (``debt_recovered``, ``workflows.payouts.service``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.cases.ports import ReversalRequest
from workflows.ledger import entries
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from workflows.cases.ports import CaseBooks, TransferReversals
    from workflows.orders.model import OrderRecord
    from workflows.payouts.model import PayoutRecord
    from workflows.shared.money import Money


def take_back(
    books: CaseBooks,
    reversals: TransferReversals,
    *,
    key: str,
    order: OrderRecord,
    owed: Money,
    payout: PayoutRecord | None,
) -> tuple[int, int]:
    """Reverse ``owed`` of the order's transfer; (reversed, recorded as debt), in minor units."""
    amounts = order.amounts()
    transfer_id = payout.transfer_id if payout is not None else None
    if transfer_id:
        result = reversals.reverse(
            ReversalRequest(
                transfer_id=transfer_id,
                amount=owed,
                idempotency_key=derived_id("stripe", "reversal", key),
                metadata={"order_id": order.order_id, "reason": key.split(":", 1)[0]},
            )
        )
        if result.reversal_id is not None:
            entry = entries.transfer_reversal(amounts, result.reversal_id, owed)
            books.ledger.post(entry)
            books.payouts.add_reversal(result.reversal_id, transfer_id, order.order_id, entry.entry_id, owed)
            return owed.amount_minor, 0
    books.ledger.post(entries.seller_debt(amounts, key, owed))
    return 0, owed.amount_minor


def owed_back(transferred: int, net_after: int) -> int:
    """What the seller holds beyond their net once it is reduced to ``net_after``."""
    return max(0, transferred - max(net_after, 0))
