"""The checkout service: the API's side (start, read, cancel) and every step of the state machine.

Every step is safe to run twice: ids are derived from the checkout, holds are keyed by it,
PaymentIntent calls carry idempotency keys derived from it, the ledger's entry ids are derived
from the orders, and each state change checks the state it moves from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from workflows.accounts.errors import AddressNotFound
from workflows.catalog.alerts import format_money
from workflows.catalog.errors import QuantityNotAvailable
from workflows.catalog.events import ListingEnded
from workflows.catalog.model import ListingStatus
from workflows.checkout.agreements import AgreedCheckoutEnded, AgreedCheckoutStart, AgreedSale
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
    AgreementLapsed,
    AgreementNotFound,
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
from workflows.checkout.views import CheckoutPage, CheckoutView, TimelineEntryView, TimelineView
from workflows.fees.commands import AgreedPrice, HeldQuoteItem
from workflows.fees.errors import FEE_ERRORS, FEE_REJECTIONS
from workflows.ledger import entries
from workflows.notifications.model import Notification
from workflows.orders.errors import OrderNotFound
from workflows.orders.model import FeeBreakdown, OrderItem, OrderRecord, order_id_for
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import ContractError, IdempotencyKeyReused, ResaleError
from workflows.shared.ids import derived_id, new_id
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from workflows.cart.ports import CartStore, ListingReader
    from workflows.catalog.model import Listing
    from workflows.checkout.agreements import AgreementSource
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
    #: the capabilities that reach agreements, by kind ("offer", "auction"), for POST /checkout
    agreements: Mapping[str, AgreementSource] = field(default_factory=dict)

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


#: the longest an agreement's checkout waits for its payment (the checkout machine runs 15 days)
MAX_AGREED_WAIT = timedelta(days=14)

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
        """Validate and record the checkout, start its execution; (view, created). With an
        ``offer_id`` or ``auction_id`` it buys that agreement at its price, not the cart."""
        if request.offer_id is not None or request.auction_id is not None:
            return self._start_from_agreement(caller, request)
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

    # -- at an agreed price (workflows/checkout/agreements.py) --------------------------------

    def _start_from_agreement(self, caller: Caller, request: CheckoutRequest) -> tuple[CheckoutView, bool]:
        kind, source_id = ("offer", request.offer_id) if request.offer_id else ("auction", request.auction_id)
        assert source_id is not None
        source = self._d.agreements.get(kind)
        sale = source.agreed_sale(source_id, caller.user_id) if source is not None else None
        if sale is None or sale.buyer_id != caller.user_id:
            # a live checkout of the agreement answers even once the source moved on (paid)
            found = self._live_of(kind, source_id)
            if found is not None and found.buyer_id == caller.user_id:
                return self._view(found), False
            raise AgreementNotFound(f"No accepted {kind} of yours has the id {source_id!r}.")
        with self._d.uow() as uow:
            ship_to = uow.buyers.ship_to(caller.user_id, request.address_id)
        if ship_to is None:
            raise AddressNotFound("No such address among yours.")
        choices = {c.listing_id: c.service for c in request.shipping_choices}
        unknown = sorted(set(choices) - {sale.listing_id})
        if unknown:
            raise ContractError(
                "shipping_choices names listings the agreement is not about.",
                details={"listing_ids": unknown},
            )
        record, created = self._open_agreed(sale, request.address_id, ship_to, choices)
        return self._view(record), created

    def start_agreed(self, sale: AgreedSale, *, address_id: str | None = None) -> AgreedCheckoutStart:
        """Start the buyer's checkout of an agreement (the auction's winner): shipped to
        ``address_id`` or else the buyer's default address; idempotent by the agreement (a live
        or paid checkout of it is answered, ``existing``). A buyer without a default address gets
        none started (``needs_address``): they check out themselves with ``POST /checkout``
        {address_id, auction_id}. Refuses with :class:`AgreementLapsed` when the agreement no
        longer holds the units or ``pay_by`` passed."""
        found = self._live_of(sale.kind, sale.source_id)
        if found is not None:
            return AgreedCheckoutStart(found.checkout_id, "existing")
        with self._d.uow() as uow:
            chosen = address_id or uow.buyers.default_address(sale.buyer_id)
            ship_to = uow.buyers.ship_to(sale.buyer_id, chosen) if chosen else None
        if chosen is None or ship_to is None:
            return AgreedCheckoutStart(None, "needs_address")
        record, created = self._open_agreed(sale, chosen, ship_to, {})
        return AgreedCheckoutStart(record.checkout_id, "started" if created else "existing")

    def agreed_checkout(self, kind: str, source_id: str) -> CheckoutView | None:
        """The newest checkout made from an agreement (None: none yet): how the source learns
        whether its buyer paid (``status`` "paid") or not, besides :class:`AgreedCheckoutEnded`."""
        with self._d.uow() as uow:
            made = uow.checkouts.for_agreement(kind, source_id)
            return CheckoutView.of(made[-1], uow.checkouts.orders_of(made[-1].checkout_id)) if made else None

    def _live_of(self, kind: str, source_id: str) -> CheckoutRecord | None:
        """The agreement's checkout that is running or was paid, if any."""
        with self._d.uow() as uow:
            made = uow.checkouts.for_agreement(kind, source_id)
        live = [c for c in made if not c.ended or c.status == "paid"]
        return live[-1] if live else None

    def _view(self, record: CheckoutRecord) -> CheckoutView:
        with self._d.uow() as uow:
            return CheckoutView.of(record, uow.checkouts.orders_of(record.checkout_id))

    def _open_agreed(
        self, sale: AgreedSale, address_id: str, ship_to: dict[str, Any], choices: dict[str, str]
    ) -> tuple[CheckoutRecord, bool]:
        """Record and start the agreement's checkout (or answer its live one); (record, created).
        The n-th checkout of an agreement is named by it and n, so concurrent starts make one."""
        with self._d.uow() as uow:
            made = uow.checkouts.for_agreement(sale.kind, sale.source_id)
        live = [c for c in made if not c.ended or c.status == "paid"]
        if live:
            if live[-1].status == "pending":  # the first try may have stopped before the start
                self._d.starter.start(live[-1].checkout_id, {"checkout_id": live[-1].checkout_id})
            return live[-1], False
        now = self._d.clock.now()
        if sale.pay_by - now > MAX_AGREED_WAIT:
            raise ContractError(
                f"An agreement's checkout waits at most {MAX_AGREED_WAIT.days} days for its payment."
            )
        line = CheckoutLine(
            listing_id=sale.listing_id,
            seller_id=sale.seller_id,
            title=sale.title,
            quantity=sale.quantity,
            unit_price=sale.unit_price,
            shipping_service=choices.get(sale.listing_id),
        )
        checkout_id = derived_id("checkout", sale.kind, sale.source_id, str(len(made)))
        record = CheckoutRecord(
            checkout_id=checkout_id,
            buyer_id=sale.buyer_id,
            status="pending",
            request_hash=request_hash({"agreement": [sale.kind, sale.source_id], "address_id": address_id}),
            address_id=address_id,
            ship_to=ship_to,
            shipping_choices=choices,
            lines=(line,),
            expires_at=sale.pay_by,
            created_at=now,
            updated_at=now,
            agreement=sale.agreement,
        )
        self._check_agreed(record, now)
        with self._d.uow() as uow:
            created = uow.checkouts.add(record)
            if created:
                self._moment(
                    uow,
                    record,
                    "workflow",
                    "Checkout started",
                    now,
                    detail={"lines": 1, "agreement": {"kind": sale.kind, "id": sale.source_id}},
                )
        if not created:  # a concurrent start made it first
            with self._d.uow() as uow:
                again = uow.checkouts.get(checkout_id)
            return (again or record), False
        self._d.starter.start(checkout_id, {"checkout_id": checkout_id})
        return record, True

    def _check_agreed(self, checkout: CheckoutRecord, now: datetime) -> None:
        """The agreement still stands: its listing exists and its seller may sell, the units are
        held (by the agreement, or already by this checkout) and the deadline has not passed. The
        listing's price and status now do not matter: the agreement fixed the price (and an
        auction's listing has ended)."""
        agreement = checkout.agreement
        assert agreement is not None
        (line,) = checkout.lines
        found = self._d.listings.get_many([line.listing_id])
        listing = found[0] if found else None
        problem = None
        if listing is None:
            problem = {"listing_id": line.listing_id, "problem": "listing_not_found"}
        elif listing.seller_id == checkout.buyer_id:
            problem = {"listing_id": line.listing_id, "problem": "own_listing"}
        elif listing.seller_id in self._d.restricted_sellers(checkout.lines):
            problem = {"listing_id": line.listing_id, "problem": "seller_restricted"}
        if problem is not None:
            raise CartUnavailable(
                "The agreed item cannot be bought now; see details.", details={"lines": [problem]}
            )
        assert listing is not None
        held = max(
            self._d.stock.held(line.listing_id, agreement.holder),
            self._d.stock.held(line.listing_id, checkout.checkout_id),
        )
        if now >= checkout.expires_at or held < line.quantity:
            raise AgreementLapsed(
                f"The {agreement.kind} no longer holds the item: its time to pay passed or it was released.",
                details={
                    "kind": agreement.kind,
                    "id": agreement.source_id,
                    "pay_by": checkout.expires_at.isoformat(),
                },
            )
        services = {o.service for o in listing.shipping_options}
        if line.shipping_service is not None and line.shipping_service not in services:
            raise ShippingOptionNotFound(
                f"Listing {line.listing_id!r} does not ship with {line.shipping_service!r}.",
                details={"listing_id": line.listing_id, "services": sorted(services)},
            )

    def list_mine(self, caller: Caller, *, limit: int, cursor: str | None) -> CheckoutPage:
        """``GET /me/checkouts``: the caller's checkouts, newest first, with status, total, deadline."""
        if not 1 <= limit <= 100:
            raise ContractError("limit is between 1 and 100")
        after = decode_cursor(cursor) if cursor else None
        with self._d.uow() as uow:
            found = uow.checkouts.of_buyer(caller.user_id, limit=limit + 1, after=after)
            page, more = found[:limit], len(found) > limit
            items = [CheckoutView.of(c, uow.checkouts.orders_of(c.checkout_id)) for c in page]
        return CheckoutPage(
            items=items,
            next_cursor=encode_cursor(page[-1].created_at, page[-1].checkout_id) if more and page else None,
        )

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
        """State "Validate Cart": the lines against the catalog now → the items to quote, the time left.
        An agreement's checkout: the agreement still stands, and its line is quoted at its price."""
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id)
        now = self._d.clock.now()
        if checkout.agreement is not None:
            self._check_agreed(checkout, now)
            return ValidateCartOutput(
                items=[
                    HeldQuoteItem(
                        listing_id=line.listing_id,
                        quantity=line.quantity,
                        shipping_service=line.shipping_service,
                        agreed_price=AgreedPrice(
                            amount=line.unit_price.amount_minor, currency=line.unit_price.currency
                        ),
                    )
                    for line in checkout.lines
                ],
                expires_in_seconds=max(1, int((checkout.expires_at - now).total_seconds())),
            )
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
                HeldQuoteItem(
                    listing_id=line.listing_id, quantity=line.quantity, shipping_service=line.shipping_service
                )
                for line in checkout.lines
            ],
            expires_in_seconds=max(1, int((checkout.expires_at - now).total_seconds())),
        )

    def reserve_items(self, checkout_id: str) -> ReserveItemsOutput:
        """State "Reserve Items": hold every line, or none (what was held is released). An
        agreement's checkout takes over the units the agreement holds instead."""
        with self._d.uow() as uow:
            checkout = self._checkout(uow, checkout_id)
        if checkout.agreement is not None:
            return self._take_over(checkout)
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

    def _take_over(self, checkout: CheckoutRecord) -> ReserveItemsOutput:
        agreement = checkout.agreement
        assert agreement is not None
        for listing_id, quantity in checkout.holds():
            moved = self._d.stock.transfer(listing_id, agreement.holder, checkout.checkout_id)
            if not moved and self._d.stock.held(listing_id, checkout.checkout_id) < quantity:
                raise AgreementLapsed(
                    f"The {agreement.kind} no longer holds the item; it cannot be bought at its price now.",
                    details={"kind": agreement.kind, "id": agreement.source_id},
                )
        with self._d.uow() as uow:
            self._moment(
                uow,
                checkout,
                "workflow",
                "Items reserved",
                self._d.clock.now(),
                detail={"listings": len(checkout.lines), "taken_over_from": agreement.kind},
            )
        return ReserveItemsOutput(held=len(checkout.lines))

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
        if checkout.agreement is None:  # an agreement's checkout did not buy the cart
            for line in checkout.lines:
                self._d.carts.remove_unless_changed_since(
                    checkout.buyer_id, line.listing_id, checkout.created_at
                )
        self._notify_paid(checkout, orders)
        self._d.events.publish(*[self._order_paid(checkout, o) for o in orders])
        self._announce_agreed(checkout, "paid", None, order_ids=[o.order_id for o in orders])
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
        returned = self._release(checkout)
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
        self._announce_agreed(checkout, status, failure.code, units_returned=returned)
        return AbandonOutput(status=status, code=failure.code)

    def _release(self, checkout: CheckoutRecord) -> bool:
        """Every hold of the checkout back on sale (a listing sold out by them is active again).
        An agreement's units go back to the agreement while its deadline has not passed (the buyer
        may try again), else back on sale; True when they went back to the agreement."""
        now = self._d.clock.now()
        agreement = checkout.agreement
        if agreement is not None and now < checkout.expires_at:
            returned = True
            for listing_id, _ in checkout.holds():
                if not self._d.stock.transfer(listing_id, checkout.checkout_id, agreement.holder):
                    returned = returned and self._d.stock.held(listing_id, agreement.holder) > 0
                    self._release_one(listing_id, checkout.checkout_id, now)
            return returned
        for listing_id, _ in checkout.holds():
            self._release_one(listing_id, checkout.checkout_id, now)
        return False

    def _release_one(self, listing_id: str, holder: str, now: datetime) -> None:
        if self._d.stock.release(listing_id, holder):
            self._d.stock.refresh_status(listing_id, now)

    def _announce_agreed(
        self,
        checkout: CheckoutRecord,
        outcome: Any,
        code: str | None,
        *,
        units_returned: bool = False,
        order_ids: list[str] | None = None,
    ) -> None:
        """Tell the agreement's source how its checkout ended (nothing for a cart's checkout)."""
        agreement = checkout.agreement
        if agreement is None:
            return
        self._d.events.publish(
            AgreedCheckoutEnded(
                event_id=derived_id("AgreedCheckoutEnded", checkout.checkout_id),
                occurred_at=self._d.clock.now(),
                kind=agreement.kind,
                source_id=agreement.source_id,
                checkout_id=checkout.checkout_id,
                buyer_id=checkout.buyer_id,
                listing_id=checkout.lines[0].listing_id,
                outcome=outcome,
                code=code,
                units_returned=units_returned,
                order_ids=order_ids or [],
            )
        )

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
        returned = self._release(checkout)
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
        self._announce_agreed(checkout, "failed", failure.code, units_returned=returned)


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
