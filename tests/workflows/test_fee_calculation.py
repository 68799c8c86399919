"""fee_calculation: the real ASL (statemachines/fee_calculation.json) run synchronously in the
session's local cloud, with listings in MongoDB and the schedule in PostgreSQL; and the same file
with fake steps (tests/workflows/fake_steps.py), each path driven on purpose: quoted for the API
(nothing kept) or for a checkout (kept, its id answered), rejected by either step, failed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from psycopg.types.json import Jsonb

from adapters.aws.stepfunctions import fee_calculation_result
from adapters.mongo.catalog import MongoListings
from lambdas.wiring import catalog
from tests.workflows.fake_steps import Machines, Scripts, machines, raises
from tests.workflows.fees_support import failing_function, seed_launch_schedule
from workflows.catalog.errors import QuantityNotAvailable
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
from workflows.fees.contracts import FeeCalculationOutput
from workflows.fees.errors import FeeScheduleMissing
from workflows.fees.service import LineDoc, QuoteFailure, QuoteRejection, QuoteView
from workflows.shared.errors import TransientError
from workflows.shared.ids import derived_id
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterator

    from local.runtime import LocalCloud
    from workflows.fees.contracts import CalculateFeesInput

CAMERAS = (derived_id("category", "electronics"), derived_id("category", "cameras"))
MISC = ("misc-root", "misc-leaf")


@pytest.fixture
def fees_ready(cloud: LocalCloud, pg_conn: Any) -> Any:
    """Given the launch schedule (migration 0030) in the session's database."""
    seed_launch_schedule(pg_conn)
    return pg_conn


def _cloud_now(cloud: LocalCloud) -> datetime:
    """The local cloud's time: the machine prices at its execution's start on that clock."""
    return datetime.fromtimestamp(cloud.clock.now(), UTC)


def _listing(unique: str, n: int, **changes: Any) -> Listing:
    now = datetime.now(UTC)
    base = Listing(
        id=f"fee-{unique}-{n}",
        seller_id=f"seller-{unique}",
        title="Camera",
        description="A camera",
        category_id=CAMERAS[-1],
        category_path=CAMERAS,
        condition=Condition.USED_GOOD,
        item_specifics=(),
        price=Money(20000, "USD"),
        quantity=3,
        shipping_options=(
            ShippingOption("Express", Money(1500, "USD"), 1),
            ShippingOption("Ground", Money(800, "USD"), 5),
        ),
        format=ListingFormat.FIXED_PRICE,
        status=ListingStatus.ACTIVE,
        created_at=now,
        updated_at=now,
    )
    return replace(base, **changes)


def _store(*listings: Listing) -> None:
    store = MongoListings(catalog.wiring().db)
    for listing in listings:
        assert store.add(listing)


def _run(cloud: LocalCloud, body: dict[str, Any], name: str) -> dict[str, Any]:
    """As the quote API starts it: nobody holds the units (``held_by`` null)."""
    aws, provisioned = cloud.started()
    return aws.client("stepfunctions").start_sync_execution(
        stateMachineArn=provisioned.state_machine_arn("fee-calculation"),
        name=name,
        input=json.dumps({"held_by": None, **body}),
    )


def test_given_two_sellers_with_a_deal_and_a_promotion_then_each_gets_an_exact_quote(
    cloud: LocalCloud, fees_ready: Any, unique: str
) -> None:
    now = _cloud_now(cloud)
    window = Window(now - timedelta(hours=1), now + timedelta(hours=1))
    camera = _listing(unique, 1, deal=Deal("d1", Decimal("10"), 1, window))  # 200.00 - 10% = 180.00
    promoted = _listing(
        unique,
        2,
        seller_id=f"other-{unique}",
        category_id=MISC[-1],
        category_path=MISC,
        price=Money(999, "USD"),
        shipping_options=(),
        promotion=Promotion(Decimal("7.5"), window),
    )
    _store(camera, promoted)
    # When two cameras and one promoted item are quoted
    result = _run(
        cloud,
        {"items": [{"listing_id": camera.id, "quantity": 2}, {"listing_id": promoted.id, "quantity": 1}]},
        f"fees-{unique}",
    )
    assert result["status"] == "SUCCEEDED", result
    quote = json.loads(result["output"])
    assert quote["currency"] == "USD"
    sellers = {s["seller_id"]: s for s in quote["sellers"]}
    # Then the camera seller: 2 x 180.00 + 2 x 8.00 cheapest shipping = 376.00 at cameras' 8.5%
    cam = sellers[camera.seller_id]
    assert cam["items_total"] == {"amount": 36000, "currency": "USD"}
    assert cam["shipping_total"] == {"amount": 1600, "currency": "USD"}
    assert cam["fees"] == {
        "category_percentage": {"amount": 3196, "currency": "USD"},  # 8.5% of 37600
        "fixed": {"amount": 40, "currency": "USD"},
        "ad": {"amount": 0, "currency": "USD"},
        "cap_reduction": None,
    }
    assert cam["fee_total"]["amount"] == 3236
    assert cam["seller_net"]["amount"] == 37600 - 3236
    assert cam["schedule_version"] == 1
    # And the promoted seller: 13.25% of 9.99 = 132.3675 -> 132, 30 fixed, 7.5% ad = 74.925 -> 75
    promo = sellers[promoted.seller_id]
    assert [promo["fees"][k]["amount"] for k in ("category_percentage", "fixed", "ad")] == [132, 30, 75]
    assert promo["fee_total"]["amount"] == 237
    assert promo["seller_net"]["amount"] == 999 - 237


def test_given_a_newer_schedule_in_effect_then_it_is_the_one_applied(
    cloud: LocalCloud, fees_ready: Any, unique: str
) -> None:
    rules = {
        "currencies": {
            "USD": {
                "category_percent": {"default": "10", "by_category": {}},
                "fixed_fee_tiers": [{"up_to_minor": None, "fee_minor": 0}],
                "cap_minor": 500,
            }
        }
    }
    fees_ready.execute(
        "INSERT INTO fee_schedules (version, effective_from, rules) VALUES (2, %s, %s), (3, %s, %s)",
        [
            _cloud_now(cloud) - timedelta(minutes=1),
            Jsonb(rules),
            _cloud_now(cloud) + timedelta(days=1),
            Jsonb(rules),
        ],
    )
    listing = _listing(unique, 1, shipping_options=())
    _store(listing)
    result = _run(cloud, {"items": [{"listing_id": listing.id, "quantity": 1}]}, f"fees-{unique}")
    assert result["status"] == "SUCCEEDED", result
    (seller,) = json.loads(result["output"])["sellers"]
    assert seller["schedule_version"] == 2
    # 10% of 200.00 = 20.00, capped at 5.00
    assert seller["fee_total"]["amount"] == 500
    assert seller["fees"]["cap_reduction"]["amount"] == 1500


@pytest.mark.parametrize(
    ("items", "error"),
    [
        ([{"listing_id": "nope", "quantity": 1}], "ListingNotFound"),
        ([{"listing_id": "{ok}", "quantity": 4}], "QuantityNotAvailable"),
        ([{"listing_id": "{ended}", "quantity": 1}], "ListingNotAvailable"),
        ([{"listing_id": "{ok}", "quantity": 1.5}], "InvalidQuoteRequest"),
        ([{"listing_id": "{ok}", "quantity": 0}], "InvalidQuoteRequest"),
        ([], "InvalidQuoteRequest"),
        ([{"listing_id": "{ok}", "quantity": 1}, {"listing_id": "{euro}", "quantity": 1}], "MixedCurrencies"),
        ([{"listing_id": "{yen}", "quantity": 1}], "CurrencyNotSupported"),
    ],
)
def test_given_a_request_the_business_refuses_then_the_execution_succeeds_with_a_rejected_outcome(
    cloud: LocalCloud, fees_ready: Any, unique: str, items: list[dict[str, Any]], error: str
) -> None:
    # Given listings for sale, one ended, one in euros and one in yen (the launch schedule has no JPY)
    ok = _listing(unique, 1)
    ended = _listing(unique, 2, status=ListingStatus.ENDED)
    euro = _listing(unique, 3, price=Money(20000, "EUR"), shipping_options=())
    yen = _listing(unique, 4, price=Money(20000, "JPY"), shipping_options=())
    _store(ok, ended, euro, yen)
    names = {"{ok}": ok.id, "{ended}": ended.id, "{euro}": euro.id, "{yen}": yen.id}
    body = {
        "items": [{**item, "listing_id": names.get(item["listing_id"], item["listing_id"])} for item in items]
    }
    aws, provisioned = cloud.started()
    steps = {provisioned.physical_name(f) for f in ("fees-load-order-lines", "fees-calculate")}
    mark = aws.functions.mark()
    # When the machine runs it
    result = _run(cloud, body, f"fees-{unique}")
    # Then a business outcome, not a failure: SUCCEEDED, the error named and explained
    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert output["outcome"] == "rejected"
    assert output["error"]["name"] == error
    assert output["error"]["message"]
    assert "Traceback" not in result["output"] and "stackTrace" not in result["output"]
    # And a business error is never retried: each step that ran, ran once
    ran = sum(1 for r in aws.functions.since(mark) if r.function_name in steps)
    assert ran == (2 if error in ("MixedCurrencies", "CurrencyNotSupported") else 1)


def test_given_a_transient_error_that_outlasts_the_retries_then_the_execution_fails(
    cloud: LocalCloud, fees_ready: Any, unique: str
) -> None:
    listing = _listing(unique, 1)
    _store(listing)
    aws, provisioned = cloud.started()
    calculate = provisioned.physical_name("fees-calculate")
    before = len(aws.functions.calls(calculate))
    # Given PostgreSQL unreachable for the whole execution
    with failing_function(cloud, "fees-calculate", TransientError("PostgreSQL: connection refused")):
        result = _run(cloud, {"items": [{"listing_id": listing.id, "quantity": 1}]}, f"fees-{unique}")
    # Then it was tried three times (two retries), and the execution FAILED with the error's name
    assert len(aws.functions.calls(calculate)) - before == 3
    assert result["status"] == "FAILED", result
    assert result["error"] == "TransientError"


def _failed_executions(cloud: LocalCloud) -> int:
    """What CloudWatch's ExecutionsFailed counts for the machine: its executions that FAILED."""
    aws, provisioned = cloud.started()
    pages = (
        aws.client("stepfunctions")
        .get_paginator("list_executions")
        .paginate(stateMachineArn=provisioned.state_machine_arn("fee-calculation"), statusFilter="FAILED")
    )
    return sum(len(page["executions"]) for page in pages)


def test_given_a_rejected_quote_then_the_failed_metric_stays_and_a_real_failure_counts(
    cloud: LocalCloud, fees_ready: Any, unique: str
) -> None:
    listing = _listing(unique, 1)
    _store(listing)
    failed = _failed_executions(cloud)
    # When a quote names an unknown listing
    rejected = _run(cloud, {"items": [{"listing_id": "nope", "quantity": 1}]}, f"fees-{unique}-rejected")
    # Then its execution SUCCEEDED: the failed-executions alarm does not count it
    assert rejected["status"] == "SUCCEEDED"
    assert _failed_executions(cloud) == failed
    # When PostgreSQL is out for a whole execution
    with failing_function(cloud, "fees-calculate", TransientError("PostgreSQL: connection refused")):
        broken = _run(cloud, {"items": [{"listing_id": listing.id, "quantity": 1}]}, f"fees-{unique}-broken")
    # Then that one FAILED, and it is counted
    assert broken["status"] == "FAILED"
    assert _failed_executions(cloud) == failed + 1


def test_given_no_schedule_in_effect_then_the_execution_fails_with_fee_schedule_missing(
    cloud: LocalCloud, pg_conn: Any, unique: str
) -> None:
    listing = _listing(unique, 1)
    _store(listing)
    result = _run(cloud, {"items": [{"listing_id": listing.id, "quantity": 1}]}, f"fees-{unique}")
    assert result["status"] == "FAILED"
    assert result["error"] == "FeeScheduleMissing"


def test_given_a_freshly_migrated_database_then_the_launch_schedule_is_in_effect_and_new_versions_append(
    pg_empty_url: str,
) -> None:
    from adapters.postgres.fees import PostgresFeeSchedules
    from adapters.postgres.migrate import apply_migrations
    from adapters.postgres.pool import make_pool

    apply_migrations(pg_empty_url)
    pool = make_pool(pg_empty_url)
    try:
        schedules = PostgresFeeSchedules(pool)
        launch = schedules.in_effect(datetime.now(UTC))
        assert launch is not None
        assert launch.version == 1
        assert launch.currencies["USD"].default_percent == Decimal("13.25")
        assert schedules.in_effect(datetime(2025, 12, 31, tzinfo=UTC)) is None
        # a later version takes over from its effective_from; a version is never rewritten
        later = replace(launch, version=2, effective_from=datetime.now(UTC) + timedelta(days=1))
        assert schedules.add(later)
        assert not schedules.add(replace(later, effective_from=later.effective_from + timedelta(days=1)))
        assert schedules.in_effect(datetime.now(UTC)).version == 1  # type: ignore[union-attr]
        assert schedules.in_effect(datetime.now(UTC) + timedelta(days=2)) == later
    finally:
        pool.close()


# -- the same ASL with fake steps


@pytest.fixture(scope="module")
def fakes(cloud: LocalCloud) -> Iterator[Machines]:
    """The fake-step machines, in the session's local cloud (started first: one per process)."""
    scripts = Scripts()
    line = LineDoc(
        listing_id="l1",
        seller_id="s1",
        quantity=1,
        currency="USD",
        unit_price_minor=1000,
        shipping_minor=0,
        category_path=["misc"],
    )

    def quote(step: CalculateFeesInput) -> FeeCalculationOutput:
        kept = QuoteView(sellers=[], currency="USD", quoted_at=step.at)
        return FeeCalculationOutput.quoted(kept, step.execution if step.held_by else None)

    scripts.defaults = {
        "LoadOrderLinesFunctionArn": lambda step: {"lines": [line.model_dump(mode="json")]},
        "CalculateFeesFunctionArn": quote,
    }
    yield from machines(scripts)


def _sync(fakes: Machines, name: str, held_by: str | None) -> dict[str, Any]:
    return fakes.aws.client("stepfunctions").start_sync_execution(
        stateMachineArn=fakes.fees_arn,
        name=name,
        input=json.dumps({"items": [{"listing_id": "l1", "quantity": 1}], "held_by": held_by}),
    )


@pytest.mark.parametrize("for_checkout", [False, True])
def test_given_fake_steps_that_quote_then_the_outcome_keys_and_an_id_only_for_a_checkout(
    fakes: Machines, unique: str, for_checkout: bool
) -> None:
    held_by = f"co-{unique}" if for_checkout else None
    name = f"{held_by or f'quote-{unique}'}-fees"
    result = _sync(fakes, name, held_by)
    assert result["status"] == "SUCCEEDED", result
    output = FeeCalculationOutput.model_validate_json(result["output"])
    assert output.outcome == "quoted" and output.error is None
    assert output.quote_id == (name if for_checkout else None)
    # and the API reads exactly a quote out of it
    assert fee_calculation_result(result) == output.quote()


@pytest.mark.parametrize(
    ("function", "ran"),
    [
        ("LoadOrderLinesFunctionArn", ["LoadOrderLinesFunctionArn"]),
        ("CalculateFeesFunctionArn", ["LoadOrderLinesFunctionArn", "CalculateFeesFunctionArn"]),
    ],
)
def test_given_a_fake_step_that_refuses_then_rejected_with_the_keys_a_quote_has(
    fakes: Machines, unique: str, function: str, ran: list[str]
) -> None:
    key = f"co-{unique}-{function[:4].lower()}"
    fakes.scripts.script(key, function, raises(QuantityNotAvailable("only 2 left")))
    result = _sync(fakes, f"{key}-fees", key)
    assert result["status"] == "SUCCEEDED", result
    output = FeeCalculationOutput.model_validate_json(result["output"])
    assert output.model_dump(exclude={"sellers", "currency", "quoted_at"}) == {
        "outcome": "rejected",
        "quote_id": None,
        "error": {"name": "QuantityNotAvailable", "message": "only 2 left"},
    }
    assert [c.function for c in fakes.scripts.calls[key]] == ran
    assert fee_calculation_result(result) == QuoteRejection("QuantityNotAvailable", "only 2 left")


def test_given_a_fake_step_that_fails_for_good_then_the_execution_fails_and_the_api_reads_a_failure(
    fakes: Machines, unique: str
) -> None:
    key = f"co-{unique}-broken"
    fakes.scripts.script(key, "CalculateFeesFunctionArn", raises(FeeScheduleMissing("no schedule at 12:00")))
    result = _sync(fakes, f"{key}-fees", key)
    assert (result["status"], result["error"]) == ("FAILED", "FeeScheduleMissing"), result
    assert fee_calculation_result(result) == QuoteFailure("FeeScheduleMissing", "no schedule at 12:00")
