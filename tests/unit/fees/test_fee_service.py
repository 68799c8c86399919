"""The steps' service functions with fakes, and the API's reading of an execution's result."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from adapters.aws.stepfunctions import fee_calculation_result
from tests.fakes.clock import FakeClock
from tests.unit.fees.support import NOW, schedule
from workflows.catalog.errors import (
    CurrencyNotSupported,
    ListingNotAvailable,
    ListingNotFound,
    QuantityNotAvailable,
)
from workflows.catalog.model import (
    Condition,
    Deal,
    Listing,
    ListingFormat,
    ListingStatus,
    Promotion,
    ShippingOption,
    Window,
)
from workflows.fees.commands import QuoteRequest
from workflows.fees.contracts import FeeCalculationOutput
from workflows.fees.errors import (
    FEE_ERRORS,
    FEE_REJECTIONS,
    FeeCalculationFailed,
    FeeCalculationUnavailable,
    FeeScheduleMissing,
    InvalidQuoteRequest,
    MixedCurrencies,
)
from workflows.fees.service import (
    FeeQuotes,
    QuoteRejection,
    QuoteView,
    calculate_fees,
    keep_for_checkout,
    load_order_lines,
    parse_moment,
    parse_request,
    quote_from_result,
)
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from typing import Any

    from workflows.fees.schedule import FeeSchedule
    from workflows.fees.service import FeeCalculationResult

WINDOW = Window(NOW - timedelta(hours=1), NOW + timedelta(hours=1))


class FakeListings:
    def __init__(self, *listings: Listing) -> None:
        self.items = {x.id: x for x in listings}

    def get_many(self, listing_ids: Iterable[str]) -> list[Listing]:
        return [self.items[i] for i in listing_ids if i in self.items]


class FakeSchedules:
    def __init__(self, *schedules: FeeSchedule) -> None:
        self.schedules = schedules

    def in_effect(self, at: datetime) -> FeeSchedule | None:
        valid = [s for s in self.schedules if s.effective_from <= at]
        return max(valid, key=lambda s: s.effective_from, default=None)


def listing(listing_id: str = "l1", **changes: object) -> Listing:
    base = Listing(
        id=listing_id,
        seller_id="s1",
        title="t",
        description="d",
        category_id="phones",
        category_path=("electronics", "phones"),
        condition=Condition.NEW,
        item_specifics=(),
        price=Money(10000, "USD"),
        quantity=2,
        shipping_options=(
            ShippingOption("a", Money(900, "USD"), 2),
            ShippingOption("b", Money(500, "USD"), 6),
        ),
        format=ListingFormat.FIXED_PRICE,
        status=ListingStatus.ACTIVE,
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def request(*items: tuple[str, int]) -> QuoteRequest:
    return QuoteRequest.model_validate({"items": [{"listing_id": i, "quantity": q} for i, q in items]})


def test_given_a_deal_then_the_line_has_the_effective_price_and_the_cheapest_shipping() -> None:
    deal = Deal("d", Decimal("25"), 0, WINDOW)
    order = load_order_lines(request(("l1", 2)), FakeListings(listing(deal=deal)), NOW)
    (line,) = order.lines
    assert (line.unit_price_minor, line.shipping_minor, line.quantity) == (7500, 1000, 2)
    assert line.category_path == ["electronics", "phones"]


def test_given_the_same_listing_twice_then_quantities_add_up_and_are_checked_together() -> None:
    with pytest.raises(QuantityNotAvailable) as caught:
        load_order_lines(request(("l1", 1), ("l1", 2)), FakeListings(listing()), NOW)
    assert caught.value.details == {"listing_id": "l1", "available": 2, "requested": 3}


@pytest.mark.parametrize(
    ("stored", "error"),
    [
        ((), ListingNotFound),
        ((listing(status=ListingStatus.ENDED),), ListingNotAvailable),
        ((listing(status=ListingStatus.SOLD_OUT),), ListingNotAvailable),
    ],
)
def test_given_a_listing_that_cannot_be_quoted_then_a_named_error(stored: tuple, error: type) -> None:
    with pytest.raises(error):
        load_order_lines(request(("l1", 1)), FakeListings(*stored), NOW)


@pytest.mark.parametrize(
    "items",
    [None, [], [{"listing_id": "x", "quantity": 1.0}], [{"listing_id": "x"}], ["x"]],
)
def test_given_malformed_items_then_invalid_quote_request_with_field_details(items: list | None) -> None:
    with pytest.raises(InvalidQuoteRequest) as caught:
        parse_request(items)
    assert caught.value.details["fields"]


@pytest.mark.parametrize("value", [None, "yesterday", "2026-05-01T12:00:00"])
def test_given_a_bad_moment_then_invalid(value: object) -> None:
    with pytest.raises(InvalidQuoteRequest):
        parse_moment(value)


def test_given_the_state_machine_start_time_then_it_parses() -> None:
    assert parse_moment("2026-05-01T12:00:00.123Z").utcoffset() == timedelta(0)


def test_given_lines_and_a_schedule_then_the_quote_is_the_arithmetic_round_tripped_through_json() -> None:
    promoted = listing("l2", seller_id="s2", promotion=Promotion(Decimal("5"), WINDOW), shipping_options=())
    order = load_order_lines(request(("l1", 1), ("l2", 1)), FakeListings(listing(), promoted), NOW)
    again = type(order).model_validate_json(order.model_dump_json())
    quote = calculate_fees(again, FakeSchedules(schedule(version=7)), NOW)
    assert [s.seller_id for s in quote.sellers] == ["s1", "s2"]
    assert quote.sellers[1].fees.ad.amount == 500
    assert {s.schedule_version for s in quote.sellers} == {7}
    assert quote.quoted_at == NOW


def test_given_no_schedule_in_effect_then_fee_schedule_missing() -> None:
    order = load_order_lines(request(("l1", 1)), FakeListings(listing()), NOW)
    with pytest.raises(FeeScheduleMissing):
        calculate_fees(order, FakeSchedules(), NOW)


def _failed(error: str, message: str = "words") -> dict:
    cause = json.dumps({"errorType": error, "errorMessage": message, "stackTrace": ["secret"]})
    return {"status": "FAILED", "error": error, "cause": cause}


def test_given_a_failed_execution_then_its_error_name_becomes_that_error_with_the_handler_message() -> None:
    with pytest.raises(QuantityNotAvailable) as caught:
        quote_from_result(fee_calculation_result(_failed("QuantityNotAvailable", "only 2 left")))
    assert caught.value.message == "only 2 left"
    assert caught.value.code == "QUANTITY_NOT_AVAILABLE"


@pytest.mark.parametrize(
    ("result", "error"),
    [
        ({"status": "TIMED_OUT"}, FeeCalculationUnavailable),
        (_failed("States.Timeout"), FeeCalculationUnavailable),
        (_failed("TransientError"), FeeCalculationUnavailable),
        (_failed("KeyError"), FeeCalculationFailed),
        (_failed("Lambda.Unknown"), FeeCalculationFailed),
    ],
)
def test_given_other_failures_then_never_a_client_error(result: dict, error: type) -> None:
    with pytest.raises(error):
        quote_from_result(fee_calculation_result(result))


def _rejected(name: str, message: str = "words") -> dict:
    output = {"outcome": "rejected", "quote_id": None, "error": {"name": name, "message": message}}
    return {"status": "SUCCEEDED", "output": json.dumps(output)}


@pytest.mark.parametrize("error", sorted(FEE_REJECTIONS))
def test_given_a_rejected_outcome_then_it_becomes_that_clients_error_with_the_handler_message(
    error: str,
) -> None:
    # Given an execution that SUCCEEDED with a rejected outcome (the state "Quote Rejected")
    with pytest.raises(FEE_REJECTIONS[error]) as caught:
        quote_from_result(fee_calculation_result(_rejected(error, "only 2 left")))
    # Then the API raises the named error: its own code, the handler's message
    assert caught.value.message == "only 2 left"
    assert caught.value.code == FEE_ERRORS[error].code


@pytest.mark.parametrize("name", ["FeeScheduleMissing", "KeyError", ""])
def test_given_a_rejection_that_is_not_a_clients_then_never_a_client_error(name: str) -> None:
    with pytest.raises(FeeCalculationFailed):
        quote_from_result(fee_calculation_result(_rejected(name)))


def test_given_the_fee_errors_then_the_clients_and_the_business_refusals_are_the_rejections() -> None:
    assert set(FEE_REJECTIONS) == {
        "InvalidQuoteRequest",
        "ListingNotFound",
        "ListingNotAvailable",
        "QuantityNotAvailable",
        "MixedCurrencies",
        "CurrencyNotSupported",
    }
    # a misconfigured platform is a real failure, never a rejection
    assert "FeeScheduleMissing" not in FEE_REJECTIONS and "InvalidFeeSchedule" not in FEE_REJECTIONS
    assert CurrencyNotSupported in FEE_REJECTIONS.values()


class FakeMachine:
    def __init__(self, result: FeeCalculationResult) -> None:
        self.result = result
        self.runs: list[dict[str, Any]] = []

    def run(self, name: str, request: QuoteRequest, *, held_by: str | None) -> FeeCalculationResult:
        self.runs.append({"name": name, "held_by": held_by, **request.model_dump(mode="json")})
        return self.result


QUOTED = QuoteView(sellers=[], currency="USD", quoted_at=NOW)


@pytest.mark.parametrize(
    ("stored", "items", "error"),
    [
        ((), (("nope", 1),), ListingNotFound),
        ((listing(status=ListingStatus.ENDED),), (("l1", 1),), ListingNotAvailable),
        ((listing(quantity=2),), (("l1", 3),), QuantityNotAvailable),
        (
            (listing(), listing("l2", price=Money(900, "EUR"), shipping_options=())),
            (("l1", 1), ("l2", 1)),
            MixedCurrencies,
        ),
    ],
)
def test_given_a_clients_mistake_then_it_is_answered_before_any_execution_starts(
    stored: tuple, items: tuple, error: type
) -> None:
    machine = FakeMachine(QUOTED)
    quotes = FeeQuotes(listings=FakeListings(*stored), machine=machine, clock=FakeClock(NOW))
    with pytest.raises(error) as caught:
        quotes.quote(request(*items))
    assert caught.value.details  # the in-process check keeps the details the execution cannot carry
    assert machine.runs == []


def test_given_listings_for_sale_then_the_machine_runs_once_with_nobody_holding_the_units() -> None:
    machine = FakeMachine(QUOTED)
    quotes = FeeQuotes(listings=FakeListings(listing()), machine=machine, clock=FakeClock(NOW))
    assert quotes.quote(request(("l1", 2))).currency == "USD"
    (run,) = machine.runs
    assert run["name"].startswith("quote-")
    assert run["held_by"] is None
    assert run["items"] == [{"listing_id": "l1", "quantity": 2, "shipping_service": None}]


def test_given_a_quoted_execution_then_the_adapter_hands_back_the_quote_without_the_outcome_keys() -> None:
    # Given the output of a SUCCEEDED execution as Calculate Fees returns it
    order = load_order_lines(request(("l1", 1)), FakeListings(listing()), NOW)
    quote = calculate_fees(order, FakeSchedules(schedule()), NOW)
    output = FeeCalculationOutput.quoted(quote, None).model_dump_json()
    # When the adapter reads the StartSyncExecution response
    result = fee_calculation_result({"status": "SUCCEEDED", "output": output, "executionArn": "arn"})
    # Then the API answers exactly the quote (no outcome, quote_id or error in it)
    assert result == quote
    assert set(quote_from_result(result).model_dump()) == {"sellers", "currency", "quoted_at"}


def test_given_a_rejected_execution_then_the_adapter_hands_back_a_rejection() -> None:
    result = fee_calculation_result(_rejected("MixedCurrencies", "one currency, please"))
    assert result == QuoteRejection("MixedCurrencies", "one currency, please")


class FakeQuoteStore:
    def __init__(self) -> None:
        self.kept: dict[str, tuple[str, QuoteView]] = {}

    def keep(self, quote_id: str, held_by: str, quote: QuoteView) -> None:
        self.kept[quote_id] = (held_by, quote)


def test_given_a_quote_for_a_checkout_then_it_is_kept_under_the_execution_name_and_its_id_returned() -> None:
    store = FakeQuoteStore()
    order = load_order_lines(request(("l1", 1)), FakeListings(listing()), NOW, held=True)
    quote = calculate_fees(order, FakeSchedules(schedule()), NOW)
    assert keep_for_checkout(store, "co-1-fees", "co-1", quote) == "co-1-fees"
    assert store.kept == {"co-1-fees": ("co-1", quote)}
    # and a quote for the API is answered, never kept
    assert keep_for_checkout(store, "quote-x", None, quote) is None
    assert set(store.kept) == {"co-1-fees"}
