"""The cart over HTTP against the session's local cloud: adding, changing and removing lines, the
rules a line must meet, privacy, bad input, and a cart following its listings' changes."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
import requests

from adapters.dynamo.carts import DynamoCarts
from adapters.dynamo.connection import DynamoConnection
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser as User

T = 10


@pytest.fixture(autouse=True)
def launch_schedule(pg_url: str) -> None:
    """Listings are priced in the fee schedule's currencies: the launch schedule is in effect."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        seed_launch_schedule(conn)


@pytest.fixture(scope="module")
def category(cloud: LocalCloud, admin: User) -> dict:
    response = requests.post(
        f"{cloud.api_url}/categories",
        json={"name": "Cart test bikes", "slug": f"cart-bikes-{uuid.uuid4().hex[:8]}", "conditions": ["new"]},
        headers=admin.headers,
        timeout=T,
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def seller(make_user) -> User:
    return make_user(groups=("buyer", "seller"))


@pytest.fixture
def buyer(make_user) -> User:
    return make_user(groups=("buyer",))


def new_listing(
    cloud: LocalCloud, seller: User, category: dict, *, amount: int = 5000, quantity: int = 3
) -> dict:
    body = {
        "title": "Cart test bike",
        "description": "A bike for the cart tests",
        "category_id": category["id"],
        "condition": "new",
        "item_specifics": [],
        "price": {"amount": amount, "currency": "USD"},
        "quantity": quantity,
        "shipping_options": [
            {"service": "UPS Ground", "price": {"amount": 900, "currency": "USD"}, "estimated_days": 5}
        ],
        "format": "fixed_price",
    }
    response = requests.post(f"{cloud.api_url}/listings", json=body, headers=seller.headers, timeout=T)
    assert response.status_code == 201, response.text
    return response.json()


def put(cloud: LocalCloud, user: User, listing_id: str, body: object) -> requests.Response:
    return requests.put(
        f"{cloud.api_url}/cart/items/{listing_id}", json=body, headers=user.headers, timeout=T
    )


def cart(cloud: LocalCloud, user: User) -> dict:
    response = requests.get(f"{cloud.api_url}/cart", headers=user.headers, timeout=T)
    assert response.status_code == 200, response.text
    return response.json()


def test_given_a_buyer_when_adding_and_changing_lines_then_the_cart_shows_totals_and_subtotal(
    cloud: LocalCloud, category: dict, seller: User, buyer: User
) -> None:
    bike = new_listing(cloud, seller, category, amount=5000, quantity=3)
    bell = new_listing(cloud, seller, category, amount=1250, quantity=1)
    added = put(cloud, buyer, bike["id"], {"quantity": 1})
    assert added.status_code == 200, added.text
    assert added.json()["line_total"] == {"amount": 5000, "currency": "USD"}
    assert put(cloud, buyer, bike["id"], {"quantity": 2}).status_code == 200
    assert put(cloud, buyer, bell["id"], {"quantity": 1}).status_code == 200
    body = cart(cloud, buyer)
    assert [
        (i["listing_id"], i["quantity"], i["line_total"]["amount"], i["seller_id"]) for i in body["items"]
    ] == [
        (bike["id"], 2, 10000, seller.user_id),
        (bell["id"], 1, 1250, seller.user_id),
    ]
    assert body["subtotals"] == [{"amount": 11250, "currency": "USD"}]
    assert all(i["available"] and i["status"] == "active" and not i["price_changed"] for i in body["items"])
    # 0 removes a line, DELETE removes one (twice is fine)
    assert put(cloud, buyer, bike["id"], {"quantity": 0}).status_code == 204
    url = f"{cloud.api_url}/cart/items/{bell['id']}"
    assert requests.delete(url, headers=buyer.headers, timeout=T).status_code == 204
    assert requests.delete(url, headers=buyer.headers, timeout=T).status_code == 204
    assert cart(cloud, buyer) == {"items": [], "subtotals": [], "unavailable_count": 0}


def test_given_the_rules_of_a_line_then_each_broken_one_has_its_code(
    cloud: LocalCloud, category: dict, seller: User, buyer: User
) -> None:
    bike = new_listing(cloud, seller, category, quantity=2)
    over = put(cloud, buyer, bike["id"], {"quantity": 3})
    assert over.status_code == 409
    assert over.json()["error"]["code"] == "QUANTITY_NOT_AVAILABLE"
    assert over.json()["error"]["details"]["available"] == 2
    own = put(cloud, seller, bike["id"], {"quantity": 1})
    assert (own.status_code, own.json()["error"]["code"]) == (409, "OWN_LISTING")
    missing = put(cloud, buyer, f"nope-{uuid.uuid4().hex[:8]}", {"quantity": 1})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "LISTING_NOT_FOUND")
    assert (
        requests.delete(
            f"{cloud.api_url}/listings/{bike['id']}", headers=seller.headers, timeout=T
        ).status_code
        == 204
    )
    gone = put(cloud, buyer, bike["id"], {"quantity": 1})
    assert (gone.status_code, gone.json()["error"]["code"]) == (409, "LISTING_NOT_AVAILABLE")


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 1.5},
        {"quantity": 1.0},
        {"quantity": "1"},
        {"quantity": -1},
        {},
        {"quantity": 1, "x": 1},
        [1],
    ],
)
def test_given_bad_input_then_400_invalid_request(cloud: LocalCloud, make_user, body: object) -> None:
    buyer = make_user(groups=("buyer",))
    response = put(cloud, buyer, "any-listing", body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "INVALID_REQUEST"


def test_given_no_token_then_401(cloud: LocalCloud) -> None:
    assert requests.get(f"{cloud.api_url}/cart", timeout=T).status_code == 401
    assert requests.put(f"{cloud.api_url}/cart/items/x", json={"quantity": 1}, timeout=T).status_code == 401


def test_given_two_buyers_then_neither_sees_nor_changes_the_others_cart(
    cloud: LocalCloud, category: dict, seller: User, buyer: User, make_user
) -> None:
    other = make_user(groups=("buyer",))
    bike = new_listing(cloud, seller, category)
    assert put(cloud, buyer, bike["id"], {"quantity": 1}).status_code == 200
    assert cart(cloud, other)["items"] == []
    # the other buyer's DELETE touches only their own (empty) cart
    assert (
        requests.delete(
            f"{cloud.api_url}/cart/items/{bike['id']}", headers=other.headers, timeout=T
        ).status_code
        == 204
    )
    assert [i["listing_id"] for i in cart(cloud, buyer)["items"]] == [bike["id"]]


def test_given_the_seller_changes_the_price_and_ends_a_listing_then_the_cart_follows(
    cloud: LocalCloud, category: dict, seller: User, buyer: User
) -> None:
    bike = new_listing(cloud, seller, category, amount=5000)
    bell = new_listing(cloud, seller, category, amount=1000)
    for listing in (bike, bell):
        assert put(cloud, buyer, listing["id"], {"quantity": 1}).status_code == 200
    patched = requests.patch(
        f"{cloud.api_url}/listings/{bike['id']}",
        json={"price": {"amount": 4200, "currency": "USD"}},
        headers=seller.headers,
        timeout=T,
    )
    assert patched.status_code == 200, patched.text
    assert (
        requests.delete(
            f"{cloud.api_url}/listings/{bell['id']}", headers=seller.headers, timeout=T
        ).status_code
        == 204
    )
    items = {i["listing_id"]: i for i in cart(cloud, buyer)["items"]}
    assert items[bike["id"]]["price_changed"] is True
    assert items[bike["id"]]["unit_price"] == {"amount": 4200, "currency": "USD"}
    assert items[bike["id"]]["previous_price"] == {"amount": 5000, "currency": "USD"}
    assert (items[bell["id"]]["available"], items[bell["id"]]["status"], items[bell["id"]]["problem"]) == (
        False,
        "ended",
        "listing_ended",
    )
    body = cart(cloud, buyer)
    assert body["subtotals"] == [{"amount": 4200, "currency": "USD"}]
    assert body["unavailable_count"] == 1
    # and the consumer of the catalog's events marks the stored lines
    aws, provisioned = cloud.started()
    store = DynamoCarts(
        DynamoConnection(region=aws.region, endpoint_url=aws.endpoint_url), provisioned.physical_name("carts")
    )

    def marked() -> bool:
        bike_line = store.get(buyer.user_id, bike["id"])
        bell_line = store.get(buyer.user_id, bell["id"])
        return bool(
            bike_line
            and bike_line.price_changed_to is not None
            and bike_line.price_changed_to.amount_minor == 4200
            and bell_line
            and bell_line.listing_ended
        )

    cloud.wait_until(marked, what="the cart lines to be marked by cart-listing-changes")
