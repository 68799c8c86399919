"""The checkout service: the API's side (start, read, cancel) and every step of the state machine.

Every step is safe to run twice: ids are derived from the checkout, holds are keyed by it,
PaymentIntent calls carry idempotency keys derived from it, the ledger's entry ids are derived
from the orders, and each state change checks the state it moves from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from workflows.accounts.errors import AddressNotFound
from workflows.catalog.alerts import format_money
from workflows.catalog.errors import QuantityNotAvailable
from workflows.catalog.events import ListingEnded
from workflows.catalog.model import ListingStatus
from workflows.checkout.contracts import (
    AbandonOutput,
    CompleteSaleOutput,
    CreateOrdersOutput,
    MarkPaidOutput,
    RefundOutput,
    RequestPaymentOutput,
    ReserveItemsOutput,
    ValidateCartOutput,
)
from workflows.checkout.errors import (
    CHECKOUT_ERROR_CODES,
    CartEmpty,
    CartMixedCurrencies,
    CartUnavailable,
    CheckoutCancelled,
    CheckoutExpired,
    CheckoutFailed,
    CheckoutNotCancellable,
    CheckoutNotFound,
    PaymentAlreadySucceeded,
    PaymentFailed,
    PaymentNotRecorded,
    PaymentNotSucceeded,
    PriceChanged,
    ShippingOptionNotFound,
)
from workflows.checkout.events import OrderPaid
from workflows.checkout.model import (
    ORDER_STATUS_OF,
    CheckoutFailure,
    CheckoutLine,
    CheckoutRecord,
    TimelineEvent,
    request_hash,
)
from workflows.checkout.views import CheckoutView, TimelineEntryView, TimelineView
from workflows.fees.commands import QuoteItem
from workflows.fees.errors import FEE_ERRORS, FEE_REJECTIONS
from workflows.ledger import entries
from workflows.notifications.model import Notification
from workflows.orders.errors import OrderNotFound
from workflows.orders.model import FeeBreakdown, OrderItem, OrderRecord, order_id_for
from workflows.shared.errors import ContractError, IdempotencyKeyReused, ResaleError
from workflows.shared.ids import derived_id, new_id
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from workflows.cart.ports import CartStore, ListingReader
    from workflows.catalog.model import Listing
    from workflows.checkout.commands import CheckoutRequest
    from workflows.checkout.contracts import EndingOutcome
    from workflows.checkout.model import Outcome, PaymentIntentState
    from workflows.checkout.ports import (
        CheckoutUnitOfWork,
        ExecutionStarter,
        Payments,
        StockStore,
        UnitOfWorkOpener,
    )
    from workflows.fees.service import SellerQuoteView
    from workflows.notifications.model import NotificationPublisher
    from workflows.onboarding.ports import SellerStandings
    from workflows.shared.caught import CaughtError
    from workflows.shared.clock import Clock
    from workflows.shared.events import EventPublisher
    from workflows.shared.identity import Caller
    from workflows.shared.views import MoneyView


@dataclass(frozen=True)
class CheckoutDependencies:
    uow: UnitOfWorkOpener
    carts: CartStore
    listings: ListingReader
    stock: StockStore
    payments: Payments
    starter: ExecutionStarter
    notifications: NotificationPublisher
    events: EventPublisher
    clock: Clock
    expiry: timedelta = timedelta(minutes=30)
    #: who may not sell now (Stripe restricted their account); None: nobody is restricted
    sellers: SellerStandings | None = None

    def restricted_sellers(self, lines: Iterable[CheckoutLine]) -> frozenset[str]:
        return self.sellers.restricted({line.seller_id for line in lines}) if self.sellers else frozenset()


def _key(checkout_id: str, *parts: str) -> str:
    """A Stripe idempotency key for one call of one checkout (the same on every retry)."""
    return "checkout-" + derived_id("stripe", checkout_id, *parts)


def _problem(  # noqa: PLR0911 - one return per problem
    line: CheckoutLine, listing: Listing | None, buyer_id: str, restricted: frozenset[str]
) -> dict[str, Any] | None:
    if listing is None:
        return {"listing_id": line.listing_id, "problem": "listing_not_found"}
    if listing.seller_id == buyer_id:
        return {"listing_id": line.listing_id, "problem": "own_listing"}
    if listing.seller_id in restricted:
        # Stripe restricted the seller's account: it can take no payment for them now
        return {"listing_id": line.listing_id, "problem": "seller_restricted"}
    if listing.status == ListingStatus.SOLD_OUT:
        return {"listing_id": line.listing_id, "problem": "sold_out"}
    if listing.status != ListingStatus.ACTIVE:
        return {"listing_id": line.listing_id, "problem": "listing_ended"}
    if line.quantity > listing.quantity:
        return {
            "listing_id": line.listing_id,
            "problem": "quantity_not_available",
            "available": listing.quantity,
            "requested": line.quantity,
        }
    return None


def validate_lines(
    buyer_id: str,
    lines: Iterable[CheckoutLine],
    listings: dict[str, Listing],
    at: datetime,
    *,
    restricted_sellers: frozenset[str] = frozenset(),
) -> None:
    """The lines can be bought now at the prices the buyer saw; else the error says what moved."""
    problems, changes = [], []
    for line in lines:
        listing = listings.get(line.listing_id)
        problem = _problem(line, listing, buyer_id, restricted_sellers)
        if problem is not None:
            problems.append(problem)
            continue
        assert listing is not None
        now = listing.effective_price(at)
        if now != line.unit_price:
            changes.append(
                {
                    "listing_id": line.listing_id,
                    "cart_price": {
                        "amount": line.unit_price.amount_minor,
                        "currency": line.unit_price.currency,
                    },
                    "current_price": {"amount": now.amount_minor, "currency": now.currency},
                }
            )
        services = {o.service for o in listing.shipping_options}
        if line.shipping_service is not None and line.shipping_service not in services:
            raise ShippingOptionNotFound(
                f"Listing {line.listing_id!r} does not ship with {line.shipping_service!r}.",
                details={"listing_id": line.listing_id, "services": sorted(services)},
            )
    if problems:
        raise CartUnavailable(
            "Some items in the cart cannot be bought now; see details.", details={"lines": problems}
        )
    if changes:
        raise PriceChanged(
            "Prices changed since the items were put in the cart; review the cart and check out again.",
            details={"changes": changes},
        )


def require_one_currency(lines: Iterable[CheckoutLine]) -> None:
    """One checkout is one payment, in one currency: a cart in several is refused, not split."""
    by_currency: dict[str, list[str]] = {}
    for line in lines:
        by_currency.setdefault(line.unit_price.currency, []).append(line.listing_id)
    if len(by_currency) > 1:
        raise CartMixedCurrencies(
            f"The cart holds items in {', '.join(sorted(by_currency))}; a checkout is paid in one "
            "currency. Check out the items of one currency at a time (leave the others in the cart "
            "for later, or remove them).",
            details={
                "currencies": [
                    {"currency": currency, "listing_ids": sorted(ids)}
                    for currency, ids in sorted(by_currency.items())
                ]
            },
        )


#: what the buyer is told when the platform failed them (never a step's own words)
SYSTEM_FAILURE_MESSAGE = (
    "Something went wrong on our side, not yours: nothing was charged and the items were released. "
    "Please try again."
)


def ending_of(caught: CaughtError | None) -> tuple[Outcome, CheckoutFailure]:
    """The error a step failed with → how the checkout ends and what the buyer is told: a
    business refusal (the cart, the catalog, the fee calculation, Stripe refusing) ends it
    ``cancelled`` with that refusal's code and message; anything else is the platform's failure:
    ``failed``, ``CHECKOUT_FAILED`` (the error's own code, when it has one, in ``details.cause``)."""
    name = caught.name if caught else ""
    message = caught.message if caught else ""
    details = dict(caught.details) if caught else {}
    if name in CHECKOUT_ERROR_CODES:
        return "cancelled", CheckoutFailure(
            CHECKOUT_ERROR_CODES[name], message or "The checkout could not go on.", details
        )
    if name in FEE_REJECTIONS:
        return "cancelled", CheckoutFailure(
            FEE_ERRORS[name].code, message or "The items could not be priced.", details
        )
    cause = {"cause": FEE_ERRORS[name].code} if name in FEE_ERRORS else {}
    return "failed", CheckoutFailure(CheckoutFailed.code, SYSTEM_FAILURE_MESSAGE, cause)


class CheckoutService:
    def __init__(self, deps: CheckoutDependencies) -> None:
        self._d = deps

    # -- the API ----------------------------------------------------------------------------

    def start(
        self, caller: Caller, request: CheckoutRequest, idempotency_key: str | None
    ) -> tuple[CheckoutView, bool]:
        """Validate and record the checkout, start its execution; (view, created)."""
        fingerprint = request_hash(request.model_dump(mode="json"))
        checkout_id = derived_id("checkout", caller.user_id, idempotency_key) if idempotency_key else new_id()
        existing = self._existing(caller, checkout_id, fingerprint)
        if existing is not None:
            return existing, False
        with self._d.uow() as uow:
            ship_to = uow.buyers.ship_to(caller.user_id, request.address_id)
        if ship_to is None:
            raise AddressNotFound("No such address among yours.")
        choices = {c.listing_id: c.service for c in request.shipping_choices}
        lines, listings = self._cart_lines(caller.user_id, choices)
        now = self._d.clock.now()
        validate_lines(
            caller.user_id, lines, listings, now, restricted_sellers=self._d.restricted_sellers(lines)
        )
        require_one_currency(lines)
        record = CheckoutRecord(
            checkout_id=checkout_id,
            buyer_id=caller.user_id,
            status="pending",
            request_hash=fingerprint,
            address_id=request.address_id,
            ship_to=ship_to,
            shipping_choices=choices,
            lines=tuple(lines),
            expires_at=now + self._d.expiry,
            created_at=now,
            updated_at=now,
        )
        with self._d.uow() as uow:
            created = uow.checkouts.add(record)
            if created:
                self._moment(uow, record, "workflow", "Checkout started", now, detail={"lines": len(lines)})
        if not created:  # the same key at the same moment: the first one wins
            again = self._existing(caller, checkout_id, fingerprint)
            if again is not None:
                return again, False
        self._d.starter.start(checkout_id, {"checkout_id": checkout_id})
        return CheckoutView.of(record, []), True

    def _existing(self, caller: Caller, checkout_id: str, fingerprint: str) -> CheckoutView | None:
        with self._d.uow() as uow:
            found = uow.checkouts.get(checkout_id)
            orders = uow.checkouts.orders_of(checkout_id) if found else []
        if found is None:
            return None
        if found.buyer_id != caller.user_id or found.request_hash != fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was used with another request body; use a new key for a new checkout."
            )
        if found.status == "pending":  # the first try may have stopped before the start
            self._d.starter.start(checkout_id, {"checkout_id": checkout_id})
        return CheckoutView.of(found, orders)

    def _cart_lines(
        self, user_id: str, choices: dict[str, str]
    ) -> tuple[list[CheckoutLine], dict[str, Listing]]:
        """The cart as checkout lines, and the listings read for them (one catalog read)."""
        cart = self._d.carts.lines(user_id)
        if not cart:
            raise CartEmpty("The cart is empty.")
        listings = {x.id: x for x in self._d.listings.get_many([c.listing_id for c in cart])}
        unknown = sorted(set(choices) - {c.listing_id for c in cart})
        if unknown:
            raise ContractError(
                "shipping_choices names listings that are not in the cart.", details={"listing_ids": unknown}
            )
        lines = [
            CheckoutLine(
                listing_id=c.listing_id,
                seller_id=c.seller_id,
                title=listings[c.listing_id].title if c.listing_id in listings else c.listing_id,
                quantity=c.quantity,
                unit_price=c.unit_price,
                shipping_service=choices.get(c.listing_id),
            )
            for c in sorted(cart, key=lambda c: c.listing_id)
        ]
        return lines, listings

    def get(self, caller: Caller, checkout_id: str) -> CheckoutView:
        with self._d.uow() as uow:
            found = uow.checkouts.get(checkout_id)
            if found is None or found.buyer_id != caller.user_id:
                raise CheckoutNotFound("No such checkout.")
            return CheckoutView.of(found, uow.checkouts.orders_of(checkout_id))

    def cancel(self, caller: Caller, checkout_id: str) -> CheckoutView:
        """The buyer gives up while the payment is awaited: the PaymentIntent is cancelled at Stripe,
        whose event ends the checkout (cancelled, items released)."""
        with self._d.uow() as uow:
            found = uow.checkouts.get(checkout_id)
            if found is None or found.buyer_id != caller.user_id:
                raise CheckoutNotFound("No such checkout.")
            orders = uow.checkouts.orders_of(checkout_id)
        if found.ended:
            if found.status == "cancelled":
                return CheckoutView.of(found, orders)
            raise CheckoutNotCancellable(f"The checkout is {found.status}; it can no longer be cancelled.")
        if found.payment_intent_id is None:
            raise CheckoutNotCancellable("The checkout is still being prepared; try again in a moment.")
        intent = self._d.payments.cancel(found.payment_intent_id, idempotency_key=_key(checkout_id, "cancel"))
        if intent.succeeded:
            raise CheckoutNotCancellable("The payment went through; the order can be cancelled instead.")
        return CheckoutView.of(found, orders)

    def timeline(self, caller: Caller, order_id: str) -> TimelineView:
        """The order's story, for its buyer or its seller."""
        with self._d.uow() as uow:
            order = uow.orders.get(order_id)
            if order is None or order.party(caller.user_id) is None:
                raise OrderNotFound("No such order.")
            moments = uow.timeline.for_order(order.checkout_id, order_id)
        return TimelineView(order_id=order_id, items=[TimelineEntryView.of(m) for m in moments])

    # -- the steps ---------------------------------------------------------------------------

    def _checkout(
        self, uow: CheckoutUnitOfWork, checkout_id: str, *, for_update: bool = False
    ) -> CheckoutRecord:
        found = uow.checkouts.get(checkout_id, for_update=for_update)
        if found is None:
            raise CheckoutNotFound(f"no checkout {checkout_id}")
        return found

    def _moment(
        self,
        uow: CheckoutUnitOfWork,
        checkout: CheckoutRecord,
        kind: Any,
        name: str,
        at: datetime,
        *,
        order_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        uow.timeline.record(
            TimelineEvent(
                key=derived_id("timeline", checkout.checkout_id, order_id or "", name),
                checkout_id=checkout.checkout_id,
                kind=kind,
                name=name,
                occurred_at=at,
                order_id=order_id,
                detail=detail or {},
            )
        )

    def validate_cart(self, checkout_id: str) -> ValidateCartOutput:
        """State "Validate Cart": the lines against the catalog now → the items to quote, the time left."""
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id)
        now = self._d.clock.now()
        listings = {x.id: x for x in self._d.listings.get_many([line.listing_id for line in checkout.lines])}
        validate_lines(
            checkout.buyer_id,
            checkout.lines,
            listings,
            now,
            restricted_sellers=self._d.restricted_sellers(checkout.lines),
        )
        return ValidateCartOutput(
            items=[
                QuoteItem(
                    listing_id=line.listing_id, quantity=line.quantity, shipping_service=line.shipping_service
                )
                for line in checkout.lines
            ],
            expires_in_seconds=max(1, int((checkout.expires_at - now).total_seconds())),
        )

    def reserve_items(self, checkout_id: str) -> ReserveItemsOutput:
        """State "Reserve Items": hold every line, or none (what was held is released)."""
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id)
        held: list[str] = []
        for listing_id, quantity in checkout.holds():
            outcome = self._d.stock.hold(listing_id, checkout_id, quantity)
            if outcome in ("held", "already_held"):
                held.append(listing_id)
                continue
            for done in held:
                self._d.stock.release(done, checkout_id)
            raise QuantityNotAvailable(
                f"Listing {listing_id!r} no longer has {quantity} available: another buyer was faster.",
                details={"listing_id": listing_id, "requested": quantity, "reason": outcome},
            )
        with self._d.uow() as uow:
            self._moment(
                uow,
                checkout,
                "workflow",
                "Items reserved",
                self._d.clock.now(),
                detail={"listings": len(held)},
            )
        return ReserveItemsOutput(held=len(held))

    def create_orders(self, checkout_id: str, quote_id: str) -> CreateOrdersOutput:
        """State "Create Orders": one order per seller, priced by the quote the nested fee
        calculation kept for this checkout, which must price the lines exactly as the buyer agreed."""
        now = self._d.clock.now()
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id, for_update=True)
            quote = uow.quotes.get(quote_id, checkout_id)
            if quote is None:
                raise ResaleError(f"no quote {quote_id!r} was kept for checkout {checkout_id}")
            orders = [order_from_quote(checkout, seller, quote.currency, now) for seller in quote.sellers]
            quoted = {o.seller_id for o in orders}
            if quoted != {line.seller_id for line in checkout.lines}:
                raise PriceChanged("The quote does not cover the cart's sellers.")
            total = sum((o.gross for o in orders[1:]), orders[0].gross)
            for order in orders:
                uow.orders.add(order)
            uow.checkouts.set_amount(checkout_id, total)
            self._moment(
                uow,
                checkout,
                "workflow",
                "Orders created",
                now,
                detail={
                    "orders": len(orders),
                    "total": {"amount": total.amount_minor, "currency": total.currency},
                },
            )
        return CreateOrdersOutput(
            order_ids=[o.order_id for o in orders], amount=total.amount_minor, currency=total.currency
        )

    def request_payment(self, checkout_id: str) -> RequestPaymentOutput:
        """State "Request Payment": one PaymentIntent for the checkout; the orders await it."""
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id)
            customer = uow.buyers.stripe_customer(checkout.buyer_id)
            orders = uow.checkouts.orders_of(checkout_id)
        if checkout.amount_total is None:
            raise CheckoutNotFound(f"checkout {checkout_id} has no orders yet")
        intent = self._d.payments.create_intent(
            amount=checkout.amount_total,
            transfer_group=checkout_id,
            customer=customer,
            metadata={"checkout_id": checkout_id, "buyer_id": checkout.buyer_id, "orders": str(len(orders))},
            description=f"Resale checkout {checkout_id}",
            idempotency_key=_key(checkout_id, "payment-intent"),
        )
        now = self._d.clock.now()
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id, for_update=True)
            if checkout.status == "pending":
                uow.checkouts.await_payment(checkout_id, intent.payment_intent_id, str(intent.client_secret))
                for order in uow.checkouts.orders_of(checkout_id, for_update=True):
                    if order.status == "pending":
                        uow.orders.set_status(
                            order.order_id, "awaiting_payment", payment_intent_id=intent.payment_intent_id
                        )
            self._moment(
                uow,
                checkout,
                "payment",
                "Payment requested",
                now,
                detail={"payment_intent_id": intent.payment_intent_id, "amount": intent.amount.amount_minor},
            )
        return RequestPaymentOutput(payment_intent_id=intent.payment_intent_id)

    def mark_paid(self, checkout_id: str) -> MarkPaidOutput:
        """State "Mark Paid": Stripe confirms the payment; orders paid and the ledger posted, together."""
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id)
        if checkout.payment_intent_id is None or checkout.amount_total is None:
            raise PaymentNotSucceeded(f"checkout {checkout_id} has no payment")
        intent = self._d.payments.retrieve(checkout.payment_intent_id)
        if not intent.succeeded or intent.latest_charge is None:
            raise PaymentNotSucceeded(f"PaymentIntent {intent.payment_intent_id} is {intent.status}")
        if intent.amount != checkout.amount_total:
            raise PaymentNotSucceeded(
                f"PaymentIntent {intent.payment_intent_id} charged {intent.amount.amount_minor}, "
                f"the checkout is {checkout.amount_total.amount_minor}"
            )
        now = self._d.clock.now()
        charge_id = intent.latest_charge
        paid_now = 0
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id, for_update=True)
            orders = uow.checkouts.orders_of(checkout_id, for_update=True)
            for entry in entries.checkout_payment([o.amounts() for o in orders], charge_id, intent.amount):
                uow.ledger.post(entry)
            for order in orders:
                if order.gross.amount_minor > 0:
                    uow.ledger.post(entries.fee_recognized(order.amounts()))
                if order.status in ("pending", "awaiting_payment"):
                    uow.orders.mark_paid(order.order_id, charge_id=charge_id, paid_at=now)
                    paid_now += 1
                self._moment(uow, checkout, "workflow", "Order paid", now, order_id=order.order_id)
            if checkout.status != "paid":
                uow.checkouts.set_status(checkout_id, "paid", charge_id=charge_id)
            self._moment(
                uow,
                checkout,
                "payment",
                "Payment succeeded",
                now,
                detail={"payment_intent_id": intent.payment_intent_id, "charge_id": charge_id},
            )
        return MarkPaidOutput(
            order_ids=[o.order_id for o in orders],
            charge_id=charge_id,
            currency=intent.amount.currency,
            paid_now=paid_now,
        )

    def complete_sale(self, checkout_id: str) -> CompleteSaleOutput:
        """State "Complete Sale": holds settled, cart lines removed, everyone told, OrderPaid announced."""
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id)
            orders = uow.checkouts.orders_of(checkout_id)
        if checkout.status != "paid":
            raise PaymentNotSucceeded(f"checkout {checkout_id} is {checkout.status}, not paid")
        now = self._d.clock.now()
        sold_out = self._settle(checkout, now)
        for line in checkout.lines:
            self._d.carts.remove_unless_changed_since(checkout.buyer_id, line.listing_id, checkout.created_at)
        self._notify_paid(checkout, orders)
        self._d.events.publish(*[self._order_paid(checkout, o) for o in orders])
        with self._d.uow() as uow:
            self._moment(uow, checkout, "workflow", "Stock updated", now, detail={"sold_out": sold_out})
            self._moment(uow, checkout, "workflow", "Cart cleared", now)
            self._moment(uow, checkout, "notification", "Buyer and sellers notified", now)
        return CompleteSaleOutput(sold_out=sold_out)

    def _settle(self, checkout: CheckoutRecord, now: datetime) -> list[str]:
        sold_out = []
        for listing_id, _ in checkout.holds():
            self._d.stock.settle(listing_id, checkout.checkout_id)
            if self._d.stock.refresh_status(listing_id, now) == "sold_out":
                sold_out.append(listing_id)
        if sold_out:
            listings = self._d.listings.get_many(sold_out)
            self._d.events.publish(
                *[
                    ListingEnded(
                        event_id=derived_id("ListingEnded", x.id, str(x.version)),
                        occurred_at=now,
                        listing_id=x.id,
                        seller_id=x.seller_id,
                        version=x.version,
                        reason="sold_out",
                    )
                    for x in listings
                ]
            )
        return sold_out

    def _order_paid(self, checkout: CheckoutRecord, order: OrderRecord) -> OrderPaid:
        return OrderPaid(
            event_id=derived_id("OrderPaid", order.order_id),
            occurred_at=self._d.clock.now(),
            order_id=order.order_id,
            checkout_id=checkout.checkout_id,
            buyer_id=order.buyer_id,
            seller_id=order.seller_id,
            payment_intent_id=str(checkout.payment_intent_id),
            charge_id=str(checkout.charge_id),
            currency=order.currency,
            gross=order.gross.amount_minor,
            fee=order.fee_total.amount_minor,
            net=order.seller_net.amount_minor,
            paid_at=(order.paid_at or self._d.clock.now()).isoformat(),
        )

    def _notify_paid(self, checkout: CheckoutRecord, orders: list[OrderRecord]) -> None:
        for order in orders:
            self._d.notifications.publish(
                Notification(
                    notification_id=derived_id("orders.order_paid", order.order_id),
                    type="orders.order_paid",
                    category="orders",
                    channels=("email", "sms"),
                    user_id=order.buyer_id,
                    data={
                        "order_id": order.order_id,
                        "total": format_money(order.gross.amount_minor, order.currency),
                    },
                    reference=f"order:{order.order_id}",
                )
            )
            self._d.notifications.publish(
                Notification(
                    notification_id=derived_id("orders.item_sold", order.order_id),
                    type="orders.item_sold",
                    category="orders",
                    channels=("email", "sms"),
                    user_id=order.seller_id,
                    data={
                        "order_id": order.order_id,
                        "items": ", ".join(f"{i.quantity} x {i.title}" for i in order.items),
                        "net": format_money(order.seller_net.amount_minor, order.currency),
                        "ship_to": _address_line(checkout.ship_to),
                    },
                    reference=f"order:{order.order_id}",
                )
            )

    def abandon(self, checkout_id: str, outcome: EndingOutcome, caught: CaughtError | None) -> AbandonOutput:
        """The compensation: cancel the payment (unless it succeeded after all), release the holds,
        close the orders and the checkout with how it ended (a refusal ``cancelled``, the platform's
        failure ``failed``, or Stripe's or the clock's outcome), tell the buyer when it is news."""
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id)
        if checkout.status == "paid":
            raise PaymentAlreadySucceeded(f"checkout {checkout_id} is paid")
        intent: PaymentIntentState | None = None
        if checkout.payment_intent_id is not None:
            intent = self._d.payments.retrieve(checkout.payment_intent_id)
            if not intent.succeeded and not intent.canceled:
                intent = self._d.payments.cancel(
                    checkout.payment_intent_id, idempotency_key=_key(checkout_id, "cancel")
                )
            if intent.succeeded:
                raise PaymentAlreadySucceeded(f"PaymentIntent {intent.payment_intent_id} succeeded")
        self._release(checkout)
        status, failure = self._ending(outcome, caught, intent)
        now = self._d.clock.now()
        with self._d.uow() as uow:
            current = self._checkout(uow, checkout_id, for_update=True)
            if current.status == "paid":
                raise PaymentAlreadySucceeded(f"checkout {checkout_id} is paid")
            for order in uow.checkouts.orders_of(checkout_id, for_update=True):
                if order.status in ("pending", "awaiting_payment"):
                    uow.orders.set_status(order.order_id, ORDER_STATUS_OF[status])
            if not current.ended:
                uow.checkouts.set_status(checkout_id, status, failure=failure)
            self._moment(
                uow,
                checkout,
                "workflow",
                f"Checkout {status.replace('_', ' ')}",
                now,
                detail={"code": failure.code},
            )
        if status in ("payment_failed", "expired"):
            self._notify_unpaid(checkout, status, failure)
        elif status == "failed":
            self._notify_failed(checkout, "Nothing was charged and the items were released.")
        return AbandonOutput(status=status, code=failure.code)

    def _release(self, checkout: CheckoutRecord) -> None:
        """Every hold of the checkout back on sale (a listing sold out by them is active again)."""
        for listing_id, _ in checkout.holds():
            if self._d.stock.release(listing_id, checkout.checkout_id):
                self._d.stock.refresh_status(listing_id, self._d.clock.now())

    def _ending(
        self, outcome: EndingOutcome, caught: CaughtError | None, intent: PaymentIntentState | None
    ) -> tuple[Outcome, CheckoutFailure]:
        if outcome == "refused":
            return ending_of(caught)
        if outcome == "payment_failed":
            return "payment_failed", CheckoutFailure(
                PaymentFailed.code,
                (intent.failure_message if intent else None) or "The card was declined; nothing was charged.",
                {"decline_code": intent.failure_code} if intent and intent.failure_code else {},
            )
        if outcome == "expired":
            return "expired", CheckoutFailure(
                CheckoutExpired.code, "The payment did not arrive in time; the items were released.", {}
            )
        return "cancelled", CheckoutFailure(
            CheckoutCancelled.code, "The checkout was cancelled; nothing was charged.", {}
        )

    def _notify_unpaid(self, checkout: CheckoutRecord, outcome: Outcome, failure: CheckoutFailure) -> None:
        kind = "orders.payment_failed" if outcome == "payment_failed" else "orders.checkout_expired"
        self._tell_buyer(checkout, kind, reason=failure.message)

    def _notify_failed(self, checkout: CheckoutRecord, money: str) -> None:
        """Tell the buyer the platform failed them (not a refusal or their card): once per checkout."""
        self._tell_buyer(checkout, "orders.checkout_failed", money=money)

    def _tell_buyer(self, checkout: CheckoutRecord, kind: str, **data: str) -> None:
        """One email to the buyer about how the checkout ended (once per checkout and kind)."""
        self._d.notifications.publish(
            Notification(
                notification_id=derived_id(kind, checkout.checkout_id),
                type=kind,
                category="orders",
                channels=("email",),
                user_id=checkout.buyer_id,
                data={
                    "checkout_id": checkout.checkout_id,
                    "items": ", ".join(f"{line.quantity} x {line.title}" for line in checkout.lines),
                    **data,
                },
            )
        )

    def refund(self, checkout_id: str, caught: CaughtError | None) -> RefundOutput:
        """The compensation after a payment that could not be recorded: give the money back, and
        end the checkout ``failed`` (the platform's failure, not the buyer's)."""
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id)
        if checkout.status == "paid":
            return RefundOutput(status="paid", refunded=False)
        refund_id, currency = None, None
        if checkout.payment_intent_id is not None:
            intent = self._d.payments.retrieve(checkout.payment_intent_id)
            if intent.succeeded:
                refund_id = self._d.payments.refund(
                    intent.payment_intent_id, idempotency_key=_key(checkout_id, "refund")
                )
                currency = intent.amount.currency
        self._close_refunded(checkout, caught)
        self._notify_failed(
            checkout,
            "Your payment was refunded in full; the refund reaches your card within a few days."
            if refund_id is not None
            else "Nothing was charged and the items were released.",
        )
        return RefundOutput(
            status="failed", refunded=refund_id is not None, refund_id=refund_id, currency=currency
        )

    def _close_refunded(self, checkout: CheckoutRecord, caught: CaughtError | None) -> None:
        self._release(checkout)
        _, why = ending_of(caught)
        failure = CheckoutFailure(
            PaymentNotRecorded.code,
            "Something went wrong on our side while recording your payment, so it was refunded in "
            "full; please try again.",
            {"cause": why.details.get("cause", why.code)},
        )
        with self._d.uow() as uow:
            for order in uow.checkouts.orders_of(checkout.checkout_id, for_update=True):
                if order.status in ("pending", "awaiting_payment"):
                    uow.orders.set_status(order.order_id, "cancelled")
            uow.checkouts.set_status(checkout.checkout_id, "failed", failure=failure)
            self._moment(uow, checkout, "payment", "Payment refunded", self._d.clock.now())


def _address_line(ship_to: dict[str, Any]) -> str:
    parts = [ship_to.get(k) for k in ("name", "line1", "line2", "city", "region", "postal_code", "country")]
    return ", ".join(str(p) for p in parts if p)


def order_from_quote(
    checkout: CheckoutRecord, quoted: SellerQuoteView, currency: str, now: datetime
) -> OrderRecord:
    """One seller's order from that seller's part of the fee quote (``SellerQuoteView``), which must
    price the seller's lines exactly as the buyer agreed. The quote's fee parts are already net of
    the cap: they add up to the fee, and ``cap_reduction`` only says how much the cap took off."""
    lines = checkout.lines_of(quoted.seller_id)

    def money(view: MoneyView | None) -> Money:
        return Money(0, currency) if view is None else Money(view.amount, view.currency)

    items_total = money(quoted.items_total)
    agreed = sum((line.total for line in lines[1:]), lines[0].total) if lines else None
    if agreed is None or agreed != items_total:
        raise PriceChanged(
            "A price changed while the checkout was prepared; review the cart and check out again.",
            details={"seller_id": quoted.seller_id},
        )
    return OrderRecord(
        order_id=order_id_for(checkout.checkout_id, quoted.seller_id),
        checkout_id=checkout.checkout_id,
        buyer_id=checkout.buyer_id,
        seller_id=quoted.seller_id,
        status="pending",
        currency=currency,
        items_total=items_total,
        shipping_total=money(quoted.shipping_total),
        fees=FeeBreakdown(
            category_percentage=money(quoted.fees.category_percentage),
            fixed=money(quoted.fees.fixed),
            ad=money(quoted.fees.ad),
            cap_reduction=money(quoted.fees.cap_reduction),
        ),
        fee_total=money(quoted.fee_total),
        seller_net=money(quoted.seller_net),
        fee_schedule_version=quoted.schedule_version,
        items=tuple(OrderItem(line.listing_id, line.title, line.quantity, line.unit_price) for line in lines),
        created_at=now,
        updated_at=now,
        ship_to=checkout.ship_to,
    )
