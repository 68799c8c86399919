"""The payout workflow's steps, and the Stripe transfer events that heal or reverse them.

Every step is safe to run twice: rows are keyed by the order, ledger entries by the Stripe
object, the transfer by an idempotency key derived from the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workflows.ledger import entries
from workflows.ledger.model import seller_payable, seller_receivable
from workflows.notifications.model import Notification
from workflows.payouts.contracts import (
    FulfilmentChecked,
    HoldsApplied,
    PayoutChecked,
    PayoutStopped,
    SellerNotified,
    Transferred,
)
from workflows.payouts.errors import DuplicateTransfer, OrderNotPaid, PayoutNotFound, PayoutNotPayable
from workflows.payouts.holds import ENDED_STATUSES, decide_holds
from workflows.payouts.model import (
    PayoutRecord,
    execution_name,
    transfer_idempotency_key,
)
from workflows.payouts.ports import TransferRequest
from workflows.shared.errors import InvalidEvent, TransientError
from workflows.shared.ids import derived_id
from workflows.shared.money import Money

if TYPE_CHECKING:
    from workflows.notifications.model import NotificationPublisher
    from workflows.onboarding.ports import SellerStandings
    from workflows.orders.model import OrderRecord
    from workflows.payouts.contracts import Stage
    from workflows.payouts.model import HoldDecision, OrderPaid, PayoutPolicy
    from workflows.payouts.ports import (
        Books,
        BooksFactory,
        ConnectedAccounts,
        PayoutStarter,
        TransferGateway,
    )
    from workflows.shared.clock import Clock

#: the stages Check Fulfilment reports, by order status
_STAGE_BY_STATUS: dict[str, Stage] = {
    "paid": "awaiting_shipment",
    "shipped": "shipped",
    "delivered": "delivered",
}


def format_money(amount: Money) -> str:
    """``12.34 USD`` (for notifications; amounts stay integers everywhere else)."""
    from workflows.shared.money import CURRENCIES

    digits = CURRENCIES[amount.currency]
    whole, part = divmod(abs(amount.amount_minor), 10**digits)
    sign = "-" if amount.amount_minor < 0 else ""
    return (
        f"{sign}{whole}.{part:0{digits}d} {amount.currency}" if digits else f"{sign}{whole} {amount.currency}"
    )


def record_transfer(books: Books, order: OrderRecord, transfer_id: str, amount: Money, *, at: Any) -> bool:
    """Post the transfer's ledger entry and mark the payout transferred (in the caller's transaction).

    Idempotent per transfer id; a second, different transfer for one order is refused
    (:class:`DuplicateTransfer`), so the seller is never recorded as paid twice.
    """
    known = books.payouts.transfer_order(transfer_id)
    if known is not None:
        return False
    payout = books.payouts.get(order.order_id, for_update=True)
    if payout is None:
        raise PayoutNotFound(f"no payout for order {order.order_id}")
    if payout.transfer_id is not None and payout.transfer_id != transfer_id:
        raise DuplicateTransfer(
            f"order {order.order_id} was paid out by {payout.transfer_id}; {transfer_id} is another",
            details={"order_id": order.order_id, "transfer_id": transfer_id},
        )
    entry = entries.transfer(order.amounts(), transfer_id, amount)
    books.ledger.post(entry)
    books.payouts.add_transfer(transfer_id, order.order_id, entry.entry_id, amount)
    books.payouts.mark_transferred(order.order_id, transfer_id, at=at)
    return True


@dataclass
class PayoutService:
    books: BooksFactory
    accounts: ConnectedAccounts
    transfers: TransferGateway
    starter: PayoutStarter
    notifications: NotificationPublisher
    clock: Clock
    policy: PayoutPolicy
    #: who may not be paid now (Stripe restricted their account); None: nobody is restricted
    sellers: SellerStandings | None = None

    # -- OrderPaid: record the payout, start its execution ----------------------------------

    def on_order_paid(self, event: OrderPaid) -> dict[str, Any]:
        with self.books() as books:
            order = books.orders.get(event.order_id)
            if order is None:
                # checkout commits before it announces: the row is on its way (a replica lag)
                raise TransientError(f"order {event.order_id} is not visible yet")
            if order.seller_net != Money(event.net, event.currency) or order.seller_id != event.seller_id:
                raise OrderNotPaid(
                    f"OrderPaid for {event.order_id} does not match the order",
                    details={"order_id": event.order_id},
                )
            created = books.payouts.add(
                PayoutRecord(
                    order_id=order.order_id,
                    seller_id=order.seller_id,
                    checkout_id=event.checkout_id,
                    charge_id=event.charge_id,
                    amount=order.seller_net,
                    paid_at=event.paid_at,
                )
            )
        name = execution_name(order.order_id)
        started = self.starter.start(name, {"order_id": order.order_id, "check": {"hold_served": False}})
        return {"order_id": order.order_id, "execution": name, "recorded": created, "started": started}

    # -- the state machine's steps --------------------------------------------------------

    def check_payout(self, order_id: str, *, hold_served: bool) -> PayoutChecked:
        """Step "Check Payout": where the order is and, once it is delivered, the holds (one step:
        each wake of the machine, a wait ended or a hold waited out, asks both in turn)."""
        fulfilment = self.check_fulfilment(order_id)
        holds = None
        if fulfilment.stage == "delivered":
            decision = self.apply_holds(order_id, hold_served=hold_served)
            holds = HoldsApplied.of(decision, hold_served=hold_served)
        return PayoutChecked.of(fulfilment, holds, hold_served=hold_served)

    def check_fulfilment(self, order_id: str) -> FulfilmentChecked:
        """Where the order is: awaiting_shipment, shipped (with the seconds to auto-confirm), ..."""
        with self.books() as books:
            order = books.orders.get(order_id)
            if order is None:
                raise PayoutNotFound(f"no order {order_id}")
            stage = _STAGE_BY_STATUS.get(order.status, "cancelled")
            auto_confirm_in_s = 0
            if stage == "shipped":
                shipment = books.orders.shipment(order_id)
                remaining = (
                    int((shipment.auto_confirm_at - self.clock.now()).total_seconds()) if shipment else 0
                )
                # the machine times the rest of the window (at least a second: a Task needs one)
                auto_confirm_in_s = max(remaining, 1)
            return FulfilmentChecked(stage=stage, status=order.status, auto_confirm_in_s=auto_confirm_in_s)

    def apply_holds(self, order_id: str, *, hold_served: bool) -> HoldDecision:
        with self.books() as books:
            payout = books.payouts.get(order_id, for_update=True)
            order = books.orders.get(order_id)
            if payout is None or order is None:
                raise PayoutNotFound(f"no payout for order {order_id}")
            decision = decide_holds(
                payout=payout,
                order_status=order.status,
                earlier_sales=books.payouts.earlier_sales(payout.seller_id, payout.paid_at, order_id),
                open_disputes=books.orders.open_disputes(order_id),
                has_account=self.accounts.account_for(payout.seller_id) is not None,
                seller_restricted=self.sellers is not None
                and payout.seller_id in self.sellers.restricted([payout.seller_id]),
                policy=self.policy,
                now=self.clock.now(),
                hold_served=hold_served,
            )
            if payout.status != "transferred":
                if decision.decision == "transfer":
                    books.payouts.set_status(order_id, "payable")
                elif decision.decision == "hold":
                    books.payouts.set_status(
                        order_id, "held", hold_until=decision.hold_until, hold_reason=decision.reason
                    )
                else:
                    books.payouts.set_status(order_id, "stopped", stopped_reason=decision.reason)
        return decision

    def transfer(self, order_id: str) -> Transferred:
        """Send the seller's net; the ledger's transfer entry is posted with the payout's new state.

        ``created`` says whether this run recorded the transfer: a retry of a transfer already
        recorded answers the same transfer with ``created`` False (counted once, not per retry)."""
        with self.books() as books:
            payout = books.payouts.get(order_id)
            order = books.orders.get(order_id)
            if payout is None or order is None:
                raise PayoutNotFound(f"no payout for order {order_id}")
            if payout.status == "transferred" and payout.transfer_id is not None:
                return _transferred(payout.transfer_id, payout.amount, created=False)
            if payout.status != "payable" or order.status in ENDED_STATUSES:
                raise PayoutNotPayable(f"the payout of {order_id} is {payout.status}, not payable")
        destination = self.accounts.account_for(payout.seller_id)
        if destination is None:
            raise PayoutNotPayable(f"seller {payout.seller_id} has no connected account")
        sent = payout.amount - self._recover_debt(order, payout)
        transfer_id = self.transfers.create(
            TransferRequest(
                amount=sent,
                destination=destination,
                source_transaction=payout.charge_id,
                transfer_group=payout.checkout_id,
                idempotency_key=transfer_idempotency_key(order_id),
                metadata={"order_id": order_id, "seller_id": payout.seller_id, "payout_id": payout.payout_id},
            )
        )
        with self.books() as books:
            created = record_transfer(books, order, transfer_id, sent, at=self.clock.now())
        return _transferred(transfer_id, sent, created=created)

    def _recover_debt(self, order: OrderRecord, payout: PayoutRecord) -> Money:
        """What this payout keeps back to repay the seller's debt (a refund or a lost dispute their
        connected account could not give back): posted once per order, before the transfer. A
        payout the debt takes whole is stopped (nothing to send)."""
        with self.books() as books:
            # two payouts of one seller at once must not both recover the same debt
            books.ledger.hold(seller_receivable(order.seller_id))
            key = entries.entry_id("debt_recovered", order.order_id)
            posted = books.ledger.entries_for_order(order.order_id)
            done = next((e for e in posted if e.entry_id == key), None)
            if done is not None:
                recovered = Money(done.amount_on(seller_payable(order.seller_id)), order.currency)
            else:
                owed = books.ledger.balance(seller_receivable(order.seller_id), order.currency)
                recovered = Money(min(max(owed.amount_minor, 0), payout.amount.amount_minor), order.currency)
                if recovered.amount_minor:
                    books.ledger.post(entries.debt_recovered(order.amounts(), order.order_id, recovered))
            if recovered == payout.amount and recovered.amount_minor:
                books.payouts.set_status(order.order_id, "stopped", stopped_reason="applied_to_seller_debt")
        if recovered == payout.amount and recovered.amount_minor:
            raise PayoutNotPayable(f"the seller's debt took the whole payout of {order.order_id}")
        return recovered

    def notify_seller(self, order_id: str) -> SellerNotified:
        with self.books() as books:
            payout = books.payouts.get(order_id)
        if payout is None or payout.status != "transferred":
            raise PayoutNotFound(f"no transferred payout for order {order_id}")
        self.notifications.publish(
            Notification(
                notification_id=derived_id("notification", "payout_sent", order_id),
                type="orders.payout_sent",
                category="orders",
                channels=("email",),
                user_id=payout.seller_id,
                data={"order_id": order_id, "amount": format_money(payout.amount)},
            )
        )
        return SellerNotified(seller_id=payout.seller_id)

    def stop(self, order_id: str, reason: str) -> PayoutStopped:
        with self.books() as books:
            payout = books.payouts.get(order_id, for_update=True)
            if payout is None:
                raise PayoutNotFound(f"no payout for order {order_id}")
            if payout.status == "transferred":
                return PayoutStopped(status=payout.status)
            books.payouts.set_status(order_id, "stopped", stopped_reason=payout.stopped_reason or reason)
        return PayoutStopped(status="stopped")

    # -- Stripe's transfer events: duplicated, late or out of order, one effect -----------

    def on_transfer_event(self, event_type: str, transfer: dict[str, Any]) -> dict[str, Any]:
        """``transfer.created`` / ``transfer.reversed``: the ledger learns what Stripe did.

        Only the event's transfer id is read: the transfer (its amount, its order, its reversals)
        is fetched from Stripe, so a stale or forged payload posts nothing Stripe did not do. A
        transfer the Transfer step created but did not get to record (it crashed) is recorded
        here; each reversal is posted once per reversal id, after the transfer it reverses,
        whichever event came first.
        """
        transfer_id = transfer.get("id") if isinstance(transfer, dict) else None
        if not isinstance(transfer_id, str) or not transfer_id.startswith("tr_"):
            raise InvalidEvent(f"not a Stripe transfer event: {event_type}")
        found = self.transfers.retrieve(transfer_id)
        if found is None:
            return {"transfer_id": transfer_id, "outcome": "ignored", "reason": "unknown_transfer"}
        if not found.order_id:
            return {"transfer_id": transfer_id, "outcome": "ignored", "reason": "not_a_payout"}
        order_id = found.order_id
        with self.books() as books:
            order = books.orders.get(order_id)
            if order is None:
                return {"transfer_id": transfer_id, "outcome": "ignored", "reason": "unknown_order"}
            recorded = record_transfer(books, order, transfer_id, found.amount, at=self.clock.now())
            posted = 0
            for reversal_id, reversed_amount in found.reversals:
                entry = entries.transfer_reversal(order.amounts(), reversal_id, reversed_amount)
                books.ledger.post(entry)  # idempotent: the entry id is the reversal's
                posted += books.payouts.add_reversal(
                    reversal_id, transfer_id, order_id, entry.entry_id, reversed_amount
                )
        return {"transfer_id": transfer_id, "outcome": "recorded", "transfer": recorded, "reversals": posted}


def _transferred(transfer_id: str, amount: Money, *, created: bool) -> Transferred:
    return Transferred(
        transfer_id=transfer_id, amount=amount.amount_minor, currency=amount.currency, created=created
    )
