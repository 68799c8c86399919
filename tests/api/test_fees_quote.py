"""POST /fees/quote over HTTP: real listings created through the catalog API (with a deal and a
promotion in effect), the real fee_calculation machine run synchronously, and bad input."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import requests

from adapters.mongo.catalog import MongoListings
from lambdas.wiring import catalog
from local.runtime import LocalCloud
from tests.fakes.clock import iso_in
from tests.fixtures.users import TestUser as User
from tests.workflows.fees_support import seed_launch_schedule
from workflows.shared.money import Money

T = 15


@pytest.fixture(scope="module")
def category(cloud: LocalCloud, admin: User) -> dict:
    response = requests.post(
        f"{cloud.api_url}/categories",
        json={"name": "Fee test", "slug": f"fee-test-{uuid.uuid4().hex[:8]}"},
        headers=admin.headers,
        timeout=T,
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def schedule(pg_conn: Any) -> None:
    seed_launch_schedule(pg_conn)


def _listing(
    cloud: LocalCloud, seller: User, category: dict, price: int, quantity: int, shipping: int
) -> dict:
    body = {
        "title": "Fee test item",
        "description": "For the fee quote tests",
        "category_id": category["id"],
        "condition": "used_good",
        "item_specifics": [],
        "price": {"amount": price, "currency": "USD"},
        "quantity": quantity,
        "shipping_options": [
            {"service": "Ground", "price": {"amount": shipping, "currency": "USD"}, "estimated_days": 5}
        ],
        "format": "fixed_price",
    }
    response = requests.post(f"{cloud.api_url}/listings", json=body, headers=seller.headers, timeout=T)
    assert response.status_code == 201, response.text
    return response.json()


def _executions(cloud: LocalCloud, status: str | None = None) -> int:
    """The fee_calculation executions so far (those with ``status``), as CloudWatch counts them."""
    aws, provisioned = cloud.started()
    arn = provisioned.state_machine_arn("fee-calculation")
    pages = (
        aws.client("stepfunctions")
        .get_paginator("list_executions")
        .paginate(stateMachineArn=arn, **({"statusFilter": status} if status else {}))
    )
    return sum(len(page["executions"]) for page in pages)


def _quote(cloud: LocalCloud, user: User | None, body: Any) -> requests.Response:
    headers = user.headers if user else {}
    return requests.post(f"{cloud.api_url}/fees/quote", json=body, headers=headers, timeout=T)


def test_given_a_deal_and_a_promotion_in_effect_when_quoted_then_200_with_exact_parts(
    cloud: LocalCloud, make_user, category: dict, schedule: None
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    buyer = make_user()
    dealt = _listing(cloud, seller, category, price=10000, quantity=5, shipping=700)
    promoted = _listing(cloud, seller, category, price=2500, quantity=1, shipping=0)
    deal = requests.post(
        f"{cloud.api_url}/listings/{dealt['id']}/deal",
        json={
            "discount_percent": "20",
            "starts_at": iso_in(timedelta(minutes=-5), cloud.clock.now()),
            "ends_at": iso_in(timedelta(hours=1), cloud.clock.now()),
        },
        headers=seller.headers,
        timeout=T,
    )
    assert deal.status_code == 201, deal.text
    promotion = requests.post(
        f"{cloud.api_url}/listings/{promoted['id']}/promotion",
        json={
            "ad_rate_percent": "6",
            "starts_at": iso_in(timedelta(minutes=-5), cloud.clock.now()),
            "ends_at": iso_in(timedelta(hours=1), cloud.clock.now()),
        },
        headers=seller.headers,
        timeout=T,
    )
    assert promotion.status_code == 200, promotion.text
    # When the buyer asks for 2 of the dealt listing and the promoted one
    response = _quote(
        cloud,
        buyer,
        {
            "items": [
                {"listing_id": dealt["id"], "quantity": 2},
                {"listing_id": promoted["id"], "quantity": 1},
            ]
        },
    )
    # Then one seller: items 2 x 80.00 + 25.00 = 185.00, shipping 2 x 7.00 = 14.00, gross 199.00
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["currency"] == "USD"
    (quote,) = body["sellers"]
    assert quote["seller_id"] == seller.user_id
    assert quote["items_total"] == {"amount": 18500, "currency": "USD"}
    assert quote["shipping_total"] == {"amount": 1400, "currency": "USD"}
    fees = quote["fees"]
    assert fees["category_percentage"]["amount"] == 2637  # 13.25% of 19900 = 2636.75 -> 2637
    assert fees["fixed"]["amount"] == 40
    assert fees["ad"]["amount"] == 150  # 6% of 25.00
    assert fees.get("cap_reduction") is None
    assert quote["fee_total"]["amount"] == 2637 + 40 + 150
    assert quote["seller_net"]["amount"] == 19900 - quote["fee_total"]["amount"]
    assert quote["schedule_version"] == 1


@pytest.mark.parametrize(
    ("item", "status", "code"),
    [
        ({"listing_id": "{id}", "quantity": 1.0}, 400, "INVALID_REQUEST"),
        ({"listing_id": "{id}", "quantity": "1"}, 400, "INVALID_REQUEST"),
        ({"listing_id": "{id}", "quantity": 0}, 400, "INVALID_REQUEST"),
        ({"listing_id": "{id}"}, 400, "INVALID_REQUEST"),
        ({"listing_id": "does-not-exist", "quantity": 1}, 404, "LISTING_NOT_FOUND"),
        ({"listing_id": "{id}", "quantity": 3}, 409, "QUANTITY_NOT_AVAILABLE"),
    ],
)
def test_given_bad_items_then_a_clear_4xx_with_a_stable_code(
    cloud: LocalCloud, make_user, category: dict, schedule: None, item: dict, status: int, code: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    listing = _listing(cloud, seller, category, price=1500, quantity=2, shipping=300)
    item = {**item, "listing_id": item["listing_id"].replace("{id}", listing["id"])}
    started = _executions(cloud)
    response = _quote(cloud, seller, {"items": [item]})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert "Traceback" not in response.text
    # and a client's mistake is answered before any execution starts
    assert _executions(cloud) == started


def test_given_an_ended_listing_then_409_listing_not_available(
    cloud: LocalCloud, make_user, category: dict, schedule: None
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    listing = _listing(cloud, seller, category, price=1500, quantity=1, shipping=300)
    ended = requests.delete(f"{cloud.api_url}/listings/{listing['id']}", headers=seller.headers, timeout=T)
    assert ended.status_code == 204, ended.text
    started = _executions(cloud)
    response = _quote(cloud, seller, {"items": [{"listing_id": listing["id"], "quantity": 1}]})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "LISTING_NOT_AVAILABLE"
    assert error["details"] == {"listing_id": listing["id"]}
    assert _executions(cloud) == started


def test_given_a_currency_the_schedule_does_not_cover_then_400_and_the_execution_is_not_a_failure(
    cloud: LocalCloud, make_user, category: dict, schedule: None, unique: str
) -> None:
    # Given a listing priced in yen (stored directly: the API refuses to create one), which only
    # the execution can refuse, as the schedule it reads has no JPY rules
    seller = make_user(groups=("buyer", "seller"))
    listing = _listing(cloud, seller, category, price=1500, quantity=1, shipping=300)
    stored = MongoListings(catalog.wiring().db)
    yen = replace(
        stored.get_many([listing["id"]])[0], id=f"yen-{unique}", price=Money(1500, "JPY"), shipping_options=()
    )
    assert stored.add(yen)
    failed = _executions(cloud, "FAILED")
    # When it is quoted
    response = _quote(cloud, seller, {"items": [{"listing_id": yen.id, "quantity": 1}]})
    # Then the client gets the same 400 as ever
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "CURRENCY_NOT_SUPPORTED"
    assert "JPY" in error["message"]
    # And the execution ended with a rejected outcome (SUCCEEDED): no alarm counts it
    assert _executions(cloud, "FAILED") == failed


@pytest.mark.parametrize("body", [{}, {"items": []}, {"items": "x"}, {"items": [], "extra": 1}])
def test_given_a_malformed_body_then_400(cloud: LocalCloud, make_user, body: dict) -> None:
    response = _quote(cloud, make_user(), body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_REQUEST"


def test_given_no_token_then_401(cloud: LocalCloud) -> None:
    response = _quote(cloud, None, {"items": [{"listing_id": "x", "quantity": 1}]})
    assert response.status_code == 401
