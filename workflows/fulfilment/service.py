"""Ship, confirm delivery, auto-confirm, cancel before shipment (rules: the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workflows.fulfilment.errors import (
    NotTheBuyer,
    NotTheSeller,
    OrderAlreadyShipped,
    OrderNotCancellable,
    OrderNotShippable,
    OrderNotShipped,
)
from workflows.fulfilment.events import OrderDelivered
from workflows.fulfilment.ports import RefundRequest
from workflows.fulfilment.views import fulfilment_view
from workflows.ledger import entries
from workflows.notifications.model import Notification
from workflows.orders.errors import OrderNotFound
from workflows.payouts.contracts import DeliveryConfirmed
from workflows.payouts.ports import Cancellation, Shipment
from workflows.payouts.service import format_money
from workflows.shared.ids import derived_id
from workflows.shared.money import Money
from workflows.shared.waits import OutsideEvent, deliver_event

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.fulfilment.ports import RefundGateway, Restocker
    from workflows.fulfilment.views import FulfilmentView
    from workflows.notifications.model import NotificationPublisher
    from workflows.orders.model import OrderRecord, Role
    from workflows.payouts.model import PayoutPolicy
    from workflows.payouts.ports import Books, BooksFactory
    from workflows.shared.clock import Clock
    from workflows.shared.events import EventPublisher
    from workflows.shared.identity import Caller
    from workflows.shared.waits import TaskResponder, WaitingTasks


def shipment_key(order_id: str) -> str:
    """What the payout workflow waits on until the order ships (or is cancelled)."""
    return f"shipment:{order_id}"


def delivery_key(order_id: str) -> str:
    """What the payout workflow waits on until delivery is confirmed."""
    return f"delivery:{order_id}"


def _party(order: OrderRecord | None, caller: Caller) -> tuple[OrderRecord, Role]:
    role = order.party(caller.user_id) if order else None
    if order is None or role is None:
        raise OrderNotFound("No such order.")
    return order, role


@dataclass(frozen=True)
class Cancelled:
    """What a cancel answers, and the refund this request issued (None: it was cancelled already)."""

    view: FulfilmentView
    refunded: Money | None


@dataclass
class FulfilmentService:
    books: BooksFactory
    refunds: RefundGateway
    restocker: Restocker
    waiting: WaitingTasks
    responder: TaskResponder
    notifications: NotificationPublisher
    clock: Clock
    policy: PayoutPolicy
    #: where ``OrderDelivered`` is announced (the feedback window starts from it)
    events: EventPublisher | None = None

    # -- reads --------------------------------------------------------------------------

    def _view(self, books: Books, order: OrderRecord) -> FulfilmentView:
        return fulfilment_view(
            order, books.orders.shipment(order.order_id), books.orders.cancellation(order.order_id)
        )

    # -- ship -----------------------------------------------------------------------------

    def ship(self, caller: Caller, order_id: str, *, carrier: str, tracking_number: str) -> FulfilmentView:
        """The seller shipped the order; the buyer's delivery window starts now."""
        with self.books() as books:
            order, role = _party(books.orders.get(order_id, for_update=True), caller)
            if role != "seller":
                raise NotTheSeller("Only the order's seller can ship it.")
            shipped = books.orders.shipment(order_id)
            if shipped is not None:
                if (shipped.carrier, shipped.tracking_number) != (carrier, tracking_number):
                    raise OrderAlreadyShipped(
                        "This order was shipped already, with another tracking number.",
                        details={"carrier": shipped.carrier, "tracking_number": shipped.tracking_number},
                    )
            elif order.status != "paid":
                raise OrderNotShippable(
                    f"An order can be shipped once it is paid; this one is {order.status}.",
                    details={"status": order.status},
                )
            else:
                now = self.clock.now()
                shipped = Shipment(
                    order_id=order_id,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    shipped_at=now,
                    auto_confirm_at=now + self.policy.auto_confirm_after,
                )
                books.orders.add_shipment(shipped)
                books.orders.set_status(order_id, "shipped")
                order = books.orders.get(order_id) or order
            view = self._view(books, order)
        self._resume(shipment_key(order_id), "order.shipped", shipped.shipped_at)
        self._notify(
            "order_shipped",
            order.buyer_id,
            order_id,
            {"order_id": order_id, "carrier": carrier, "tracking_number": tracking_number},
        )
        return view

    # -- delivery -------------------------------------------------------------------------

    def confirm_delivery(self, caller: Caller, order_id: str) -> FulfilmentView:
        """The buyer received the order: the payout may go ahead (after its holds)."""
        with self.books() as books:
            order, role = _party(books.orders.get(order_id, for_update=True), caller)
            if role != "buyer":
                raise NotTheBuyer("Only the order's buyer can confirm its delivery.")
            order = self._deliver(books, order, by="buyer")
            view = self._view(books, order)
            delivered = books.orders.shipment(order_id)
        self._after_delivery(order, delivered)
        return view

    def auto_confirm(self, order_id: str) -> DeliveryConfirmed:
        """The delivery window passed (the payout machine timed it): confirm for the buyer."""
        with self.books() as books:
            order = books.orders.get(order_id, for_update=True)
            if order is None:
                raise OrderNotFound(f"no order {order_id}")
            if order.status != "shipped":
                return DeliveryConfirmed(order_id=order_id, status=order.status, confirmed=False)
            order = self._deliver(books, order, by="auto")
            delivered = books.orders.shipment(order_id)
        self._after_delivery(order, delivered)
        return DeliveryConfirmed(order_id=order_id, status=order.status, confirmed=True)

    def _deliver(self, books: Books, order: OrderRecord, *, by: str) -> OrderRecord:
        if order.status == "delivered":
            return order
        if order.status != "shipped":
            raise OrderNotShipped(
                f"Delivery can be confirmed once the order has shipped; this one is {order.status}.",
                details={"status": order.status},
            )
        books.orders.mark_delivered(order.order_id, at=self.clock.now(), by=by)
        books.orders.set_status(order.order_id, "delivered")
        return books.orders.get(order.order_id) or order

    def _after_delivery(self, order: OrderRecord, delivered: Shipment | None) -> None:
        self._resume(delivery_key(order.order_id), "order.delivered", self.clock.now())
        self._notify("delivery_confirmed", order.seller_id, order.order_id, {"order_id": order.order_id})
        self._announce_delivery(order, delivered)

    def _announce_delivery(self, order: OrderRecord, delivered: Shipment | None) -> None:
        """``OrderDelivered``, after the commit and again on a retried confirmation (the same id)."""
        if self.events is None or delivered is None or delivered.delivered_at is None:
            return
        self.events.publish(
            OrderDelivered(
                event_id=OrderDelivered.event_id_for(order.order_id),
                occurred_at=delivered.delivered_at,
                order_id=order.order_id,
                buyer_id=order.buyer_id,
                seller_id=order.seller_id,
                delivered_by="auto" if delivered.delivered_by == "auto" else "buyer",
                items=sum(item.quantity for item in order.items) or 1,
            )
        )

    # -- cancel -----------------------------------------------------------------------------

    def cancel(self, caller: Caller, order_id: str, *, reason: str | None) -> Cancelled:
        """Before shipment: refund the buyer in full, stop the payout, put the items back.

        A repeated cancel answers the same view; only the request that cancelled says what it
        refunded (``refunded``), so the refund is counted once."""
        refunded: Money | None = None
        with self.books() as books:
            order, role = _party(books.orders.get(order_id, for_update=True), caller)
            if books.orders.cancellation(order_id) is None:
                self._cancel(books, order, caller, role, reason)
                refunded = order.gross
                order = books.orders.get(order_id) or order
            view = self._view(books, order)
        # after the commit, and again on a retried request: each step is idempotent
        self.restocker.restock(f"cancel:{order_id}", [(i.listing_id, i.quantity) for i in order.items])
        self._resume(shipment_key(order_id), "order.cancelled", self.clock.now())
        data = {"order_id": order_id, "amount": format_money(order.gross), "cancelled_by": role}
        self._notify("order_cancelled", order.buyer_id, order_id, data)
        self._notify("order_cancelled", order.seller_id, order_id, data)
        return Cancelled(view=view, refunded=refunded)

    def _cancel(
        self, books: Books, order: OrderRecord, caller: Caller, role: Role, reason: str | None
    ) -> None:
        if order.status in ("shipped", "delivered"):
            raise OrderAlreadyShipped(
                "A shipped order cannot be cancelled.", details={"status": order.status}
            )
        if order.status != "paid" or not order.payment_intent_id or order.gross.amount_minor <= 0:
            raise OrderNotCancellable(
                f"Only a paid order can be cancelled; this one is {order.status}.",
                details={"status": order.status},
            )
        # the refund is Stripe's first, under a key of the order: a retried request gets the same one,
        # and this transaction (which holds the order's row) records it or records nothing
        refund = self.refunds.refund(
            RefundRequest(
                payment_intent_id=order.payment_intent_id,
                amount=order.gross,
                idempotency_key=derived_id("stripe", "cancel-refund", order.order_id),
                metadata={"order_id": order.order_id, "reason": "order_cancelled"},
            )
        )
        if refund.status in ("failed", "canceled"):
            raise OrderNotCancellable(
                "The payment could not be refunded, so the order was not cancelled.",
                details={"refund_id": refund.refund_id, "refund_status": refund.status},
            )
        amounts = order.amounts()
        books.ledger.post(entries.refund(amounts, refund.refund_id, order.gross, Money.zero(order.currency)))
        # a pending refund is paid later: its events reach workflows/fulfilment/refunds.py
        if refund.status == "succeeded":
            books.ledger.post(entries.refund_paid(order.order_id, refund.refund_id, order.gross))
        books.orders.add_cancellation(
            Cancellation(
                order_id=order.order_id,
                cancelled_by=caller.user_id,
                role=role,
                reason=reason,
                refund_id=refund.refund_id,
                amount=order.gross,
                cancelled_at=self.clock.now(),
            )
        )
        books.orders.set_status(order.order_id, "cancelled")
        if books.payouts.get(order.order_id, for_update=True) is not None:
            books.payouts.set_status(order.order_id, "stopped", stopped_reason="order_cancelled")

    # -- telling the workflow and the people ---------------------------------------------

    def _resume(self, correlation_id: str, event_type: str, at: datetime) -> None:
        event = OutsideEvent(
            event_id=derived_id("fulfilment", correlation_id, event_type),
            event_type=event_type,
            correlation_id=correlation_id,
            occurred_at=int(at.timestamp()),
        )
        deliver_event(self.waiting, self.responder, event, now=int(self.clock.now().timestamp()))

    def _notify(self, kind: str, user_id: str, order_id: str, data: dict[str, Any]) -> None:
        self.notifications.publish(
            Notification(
                notification_id=derived_id("notification", kind, order_id, user_id),
                type=f"orders.{kind}",
                category="orders",
                channels=("email",),
                user_id=user_id,
                data=data,
            )
        )
