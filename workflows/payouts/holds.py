"""The holds on a payout, decided from what is true now (a pure function: no I/O, no clock).

- a cancelled or refunded order, or a stopped payout: stop (nothing is ever sent);
- an open dispute: hold, looked at again after ``recheck_after`` (a dispute the seller loses
  refunds the order, which then stops the payout);
- a new seller (fewer than ``new_seller_sales`` earlier sales): hold until ``paid_at +
  new_seller_hold``, once: the machine waits that long and says so (``hold_served``);
- a seller whom Stripe restricted (charges or payouts disabled): hold, looked at again after
  ``recheck_after`` (the seller is paid once Stripe enables the account again);
- no connected account to send to: hold, looked at again after ``recheck_after``;
- otherwise: transfer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.payouts.model import HoldDecision

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.payouts.model import PayoutPolicy, PayoutRecord

#: order statuses after which a payout can never be sent
ENDED_STATUSES = frozenset({"cancelled", "refunded", "expired", "payment_failed"})


def decide_holds(  # noqa: PLR0911 - one return per rule, in the docstring's order
    *,
    payout: PayoutRecord,
    order_status: str,
    earlier_sales: int,
    open_disputes: int,
    has_account: bool,
    policy: PayoutPolicy,
    seller_restricted: bool = False,
    now: datetime,
    hold_served: bool,
) -> HoldDecision:
    recheck = int(policy.recheck_after.total_seconds())
    if payout.status == "transferred":
        return HoldDecision("transfer", reason="already_transferred")
    if payout.status == "stopped":
        return HoldDecision("stop", reason=payout.stopped_reason or "payout_stopped")
    if order_status in ENDED_STATUSES:
        return HoldDecision("stop", reason=f"order_{order_status}")
    if order_status != "delivered":
        return HoldDecision("hold", reason="not_delivered", wait_s=recheck)
    if open_disputes:
        return HoldDecision("hold", reason="open_dispute", wait_s=recheck)
    if not hold_served and earlier_sales < policy.new_seller_sales:
        hold_until = payout.paid_at + policy.new_seller_hold
        wait_s = int((hold_until - now).total_seconds())
        if wait_s > 0:
            return HoldDecision("hold", reason="new_seller", wait_s=wait_s, hold_until=hold_until)
    if seller_restricted:
        return HoldDecision("hold", reason="seller_restricted", wait_s=recheck)
    if not has_account:
        return HoldDecision("hold", reason="no_connected_account", wait_s=recheck)
    return HoldDecision("transfer")
