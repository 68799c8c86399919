"""The fee-calculation steps and what the API makes of an execution's result.

``load_order_lines`` serves the state "Load Order Lines", ``calculate_fees`` (and
``keep_for_checkout``) the state "Calculate Fees"; :class:`FeeQuotes` is ``POST /fees/quote``: it
answers a client's mistake before any execution starts (:func:`check_quote_request`), then runs the
machine, and :func:`quote_from_result` turns the finished synchronous execution (as the adapter
read it: a quote, a rejection or a failure) back into a quote, or into the named error it was
rejected or failed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, StrictInt, ValidationError

from workflows.catalog.errors import ListingNotAvailable, ListingNotFound, QuantityNotAvailable
from workflows.catalog.model import ListingStatus
from workflows.fees.calculate import AdPromotion, OrderLine, quote_order
from workflows.fees.commands import HeldQuoteItem, HeldQuoteRequest, QuoteRequest
from workflows.fees.errors import (
    FEE_ERRORS,
    FEE_REJECTIONS,
    FeeCalculationFailed,
    FeeCalculationUnavailable,
    FeeScheduleMissing,
    InvalidQuoteRequest,
    MixedCurrencies,
)
from workflows.shared.ids import new_id
from workflows.shared.money import Money
from workflows.shared.views import MoneyView, Timestamp, View

if TYPE_CHECKING:
    from collections.abc import Iterable

    from workflows.catalog.model import Listing
    from workflows.fees.calculate import SellerQuote
    from workflows.fees.schedule import FeeSchedule
    from workflows.shared.clock import Clock


class ListingReader(Protocol):
    def get_many(self, listing_ids: Iterable[str]) -> list[Listing]: ...


class FeeCalculationMachine(Protocol):
    def run(self, name: str, request: QuoteRequest, *, held_by: str | None) -> FeeCalculationResult:
        """Run the fee_calculation machine synchronously; how its execution ended."""
        ...


class QuoteStore(Protocol):
    """Quotes kept for the checkout that asked for them (the checkout reads them by id)."""

    def keep(self, quote_id: str, held_by: str, quote: QuoteView) -> None:
        """Store (or replace: a retried execution prices again) the quote under ``quote_id``."""
        ...


class FeeSchedules(Protocol):
    def in_effect(self, at: datetime) -> FeeSchedule | None:
        """The schedule with the latest ``effective_from`` at or before ``at``."""
        ...


# -- what the API and the steps exchange


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PromotionDoc(_Strict):
    ad_rate_percent: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class LineDoc(_Strict):
    """An order line as the state machine passes it between states."""

    listing_id: str
    seller_id: str
    quantity: StrictInt
    currency: str
    unit_price_minor: StrictInt
    shipping_minor: StrictInt
    category_path: list[str]
    promotion: PromotionDoc | None = None

    @classmethod
    def of(cls, line: OrderLine) -> LineDoc:
        promotion = line.promotion
        return cls(
            listing_id=line.listing_id,
            seller_id=line.seller_id,
            quantity=line.quantity,
            currency=line.unit_price.currency,
            unit_price_minor=line.unit_price.amount_minor,
            shipping_minor=line.shipping.amount_minor,
            category_path=list(line.category_path),
            promotion=None
            if promotion is None
            else PromotionDoc(
                ad_rate_percent=str(promotion.ad_rate_percent),
                starts_at=promotion.starts_at,
                ends_at=promotion.ends_at,
            ),
        )

    def line(self) -> OrderLine:
        promotion = self.promotion
        return OrderLine(
            listing_id=self.listing_id,
            seller_id=self.seller_id,
            quantity=self.quantity,
            unit_price=Money(self.unit_price_minor, self.currency),
            shipping=Money(self.shipping_minor, self.currency),
            category_path=tuple(self.category_path),
            promotion=None
            if promotion is None
            else AdPromotion(Decimal(promotion.ad_rate_percent), promotion.starts_at, promotion.ends_at),
        )


class OrderLines(_Strict):
    lines: list[LineDoc]


class FeePartsView(View):
    category_percentage: MoneyView
    fixed: MoneyView
    ad: MoneyView
    #: how much the cap took off (the parts above are after it); only when the cap bound
    cap_reduction: MoneyView | None = None


class SellerQuoteView(View):
    seller_id: str
    items_total: MoneyView
    shipping_total: MoneyView
    fees: FeePartsView
    fee_total: MoneyView
    seller_net: MoneyView
    schedule_version: int

    @classmethod
    def of(cls, q: SellerQuote) -> SellerQuoteView:
        return cls(
            seller_id=q.seller_id,
            items_total=MoneyView.of(q.items_total),
            shipping_total=MoneyView.of(q.shipping_total),
            fees=FeePartsView(
                category_percentage=MoneyView.of(q.fees.category_percentage),
                fixed=MoneyView.of(q.fees.fixed),
                ad=MoneyView.of(q.fees.ad),
                cap_reduction=MoneyView.of(q.cap_reduction) if q.cap_reduction.amount_minor else None,
            ),
            fee_total=MoneyView.of(q.fee_total),
            seller_net=MoneyView.of(q.seller_net),
            schedule_version=q.schedule_version,
        )


class QuoteView(View):
    sellers: list[SellerQuoteView]
    currency: str
    #: the moment the prices, deals, promotions and schedule were taken at
    quoted_at: Timestamp


class RejectionDoc(_Strict):
    #: the error name (the Python class name, a key of ``FEE_REJECTIONS``)
    name: str
    #: the handler's message, in words a client developer understands
    message: str


@dataclass(frozen=True)
class QuoteRejection:
    """The execution SUCCEEDED with a rejected outcome: the error name and the handler's message."""

    name: str
    message: str


@dataclass(frozen=True)
class QuoteFailure:
    """The execution FAILED or timed out: the error name and the handler's message (if any)."""

    error: str
    message: str = ""
    timed_out: bool = False


#: how a synchronous fee_calculation execution ended, as the adapter reads its response
FeeCalculationResult = QuoteView | QuoteRejection | QuoteFailure


# -- the steps


def parse_moment(value: object) -> datetime:
    """The quote's moment as the state machine passes it (``$$.Execution.StartTime``)."""
    if not isinstance(value, str):
        raise InvalidQuoteRequest("the step needs the quote's moment 'at' (an RFC 3339 timestamp)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidQuoteRequest(f"'at' is not an RFC 3339 timestamp: {value!r}") from exc
    if moment.tzinfo is None:
        raise InvalidQuoteRequest("'at' needs a time zone")
    return moment


def parse_request(items: list[Any] | None, *, held: bool = False) -> QuoteRequest | HeldQuoteRequest:
    """The items as sent (by a client or the checkout) → the request, or InvalidQuoteRequest.
    ``held``: nested in a checkout, whose items may carry the price it agreed."""
    try:
        if held:
            return HeldQuoteRequest.model_validate({"items": items})
        return QuoteRequest.model_validate({"items": items})
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
            for e in exc.errors(include_url=False)
        ]
        raise InvalidQuoteRequest(
            "The items are not valid: each needs a listing_id and a whole-number quantity of 1 or more.",
            details={"fields": problems},
        ) from exc


def load_order_lines(
    request: QuoteRequest | HeldQuoteRequest, listings: ListingReader, at: datetime, *, held: bool = False
) -> OrderLines:
    """Price each item at ``at``: effective price (deal applied), the chosen shipping option (default
    the cheapest), category path,
    the promotion. The same listing named twice counts once with the quantities added. ``held``:
    the units are held by the checkout asking (nested in it), so stock is not checked again. An
    item with an ``agreed_price`` (a checkout's, at an accepted offer's or a won auction's price)
    is priced at it, and its listing's status is not asked: the agreement sold it."""
    wanted: dict[str, int] = {}
    services: dict[str, str] = {}
    agreed: dict[str, Money] = {}
    for item in request.items:
        wanted[item.listing_id] = wanted.get(item.listing_id, 0) + item.quantity
        if item.shipping_service is not None:
            services[item.listing_id] = item.shipping_service
        if held and isinstance(item, HeldQuoteItem) and item.agreed_price is not None:
            agreed[item.listing_id] = Money(item.agreed_price.amount, item.agreed_price.currency)
    found = {listing.id: listing for listing in listings.get_many(list(wanted))}
    lines = []
    for listing_id, quantity in wanted.items():
        listing = found.get(listing_id)
        if listing is None:
            raise ListingNotFound(f"There is no listing {listing_id!r}.", details={"listing_id": listing_id})
        if listing_id in agreed:
            lines.append(LineDoc.of(_agreed_line(listing, quantity, at, services.get(listing_id), agreed)))
            continue
        if listing.status != ListingStatus.ACTIVE:
            raise ListingNotAvailable(
                f"Listing {listing_id!r} is {listing.status.value.replace('_', ' ')}.",
                details={"listing_id": listing_id},
            )
        if not held and quantity > listing.quantity:
            raise QuantityNotAvailable(
                f"Listing {listing_id!r} has {listing.quantity} available; {quantity} were asked for.",
                details={"listing_id": listing_id, "available": listing.quantity, "requested": quantity},
            )
        lines.append(LineDoc.of(_line(listing, quantity, at, services.get(listing_id))))
    return OrderLines(lines=lines)


def _agreed_line(
    listing: Listing, quantity: int, at: datetime, service: str | None, agreed: dict[str, Money]
) -> OrderLine:
    price = agreed[listing.id]
    if price.currency != listing.price.currency:
        raise MixedCurrencies(
            f"Listing {listing.id!r} is priced in {listing.price.currency}, the agreed price in "
            f"{price.currency}.",
            details={"currencies": sorted({price.currency, listing.price.currency})},
        )
    return _line(listing, quantity, at, service, price=price)


def _line(
    listing: Listing, quantity: int, at: datetime, service: str | None, *, price: Money | None = None
) -> OrderLine:
    price = listing.effective_price(at) if price is None else price
    if service is None:
        shipping = min((o.price for o in listing.shipping_options), default=Money.zero(price.currency))
    else:
        chosen = [o.price for o in listing.shipping_options if o.service == service]
        if not chosen:
            raise InvalidQuoteRequest(
                f"Listing {listing.id!r} does not ship with {service!r}.",
                details={
                    "listing_id": listing.id,
                    "services": sorted(o.service for o in listing.shipping_options),
                },
            )
        shipping = chosen[0]
    promotion = listing.promotion
    return OrderLine(
        listing_id=listing.id,
        seller_id=listing.seller_id,
        quantity=quantity,
        unit_price=price,
        # the chosen (default: the cheapest) shipping option, per item
        shipping=shipping.times(quantity),
        category_path=listing.category_path,
        promotion=None
        if promotion is None
        else AdPromotion(promotion.ad_rate_percent, promotion.window.starts_at, promotion.window.ends_at),
    )


def calculate_fees(order: OrderLines, schedules: FeeSchedules, at: datetime) -> QuoteView:
    schedule = schedules.in_effect(at)
    if schedule is None:
        raise FeeScheduleMissing(f"No fee schedule is in effect at {at.isoformat()}.")
    lines = [doc.line() for doc in order.lines]
    quotes = quote_order(lines, schedule, at)
    return QuoteView(
        sellers=[SellerQuoteView.of(q) for q in quotes], currency=quotes[0].currency, quoted_at=at
    )


def keep_for_checkout(store: QuoteStore, quote_id: str, held_by: str | None, quote: QuoteView) -> str | None:
    """A quote asked for by a checkout (``held_by``) is kept under ``quote_id`` (the execution's
    name), so that only its id travels on; a quote for the API is answered, not kept (None)."""
    if held_by is None:
        return None
    store.keep(quote_id, held_by, quote)
    return quote_id


# -- the API: checked first, then the machine run synchronously


def check_quote_request(request: QuoteRequest, listings: ListingReader, at: datetime) -> None:
    """What can be answered without an execution: each listing exists, is for sale, has the
    quantity and the shipping service asked for, and all are in one currency. One read of the
    listings; the machine checks again (it is the truth), so a change in between ends its
    execution rejected, never failed."""
    order = load_order_lines(request, listings, at)
    currencies = sorted({line.currency for line in order.lines})
    if len(currencies) > 1:
        raise MixedCurrencies(
            "All listings of a quote must be priced in the same currency.",
            details={"currencies": currencies},
        )


@dataclass(frozen=True)
class FeeQuotes:
    """``POST /fees/quote``: a client's mistake never starts an execution."""

    listings: ListingReader
    machine: FeeCalculationMachine
    clock: Clock

    def quote(self, request: QuoteRequest) -> QuoteView:
        check_quote_request(request, self.listings, self.clock.now())
        # a quote changes nothing: a fresh name per request is safe
        result = self.machine.run(f"quote-{new_id()}", request, held_by=None)
        return quote_from_result(result)


# -- the API's view of a synchronous execution


def quote_from_result(result: FeeCalculationResult) -> QuoteView:
    """How the execution ended → the quote, or the named error it was rejected (SUCCEEDED with a
    rejected outcome) or failed with."""
    if isinstance(result, QuoteView):
        return result
    if isinstance(result, QuoteRejection):
        refusal = FEE_REJECTIONS.get(result.name)
        if refusal is None:
            raise FeeCalculationFailed(f"Fee calculation rejected the quote ({result.name}).")
        raise refusal(result.message or f"The quote was rejected: {result.name}.")
    if result.timed_out or result.error in ("States.Timeout", "TransientError"):
        raise FeeCalculationUnavailable("Fees could not be calculated in time; try again.")
    known = FEE_ERRORS.get(result.error)
    if known is None:
        raise FeeCalculationFailed(f"Fee calculation failed ({result.error or 'unknown'}).")
    raise known(result.message or f"Fee calculation failed: {result.error}.")
