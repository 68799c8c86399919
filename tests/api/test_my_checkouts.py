"""GET /me/checkouts through the HTTP API: the caller's checkouts, newest first, each with its
status, total and deadline to pay; a cart's and an accepted offer's alike; pages; nobody else's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.e2e.checkout_support import (
    T,
    add_address,
    make_category,
    make_listing,
    post_checkout,
    put_in_cart,
    wait_for_status,
)
from tests.fixtures.users import create_user
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser


@pytest.fixture(scope="module")
def category(cloud: LocalCloud, admin: TestUser) -> dict[str, Any]:
    return make_category(cloud, admin)


@pytest.fixture(autouse=True)
def schedule(pg_conn: Any) -> None:
    seed_launch_schedule(pg_conn)


def _mine(cloud: LocalCloud, user: TestUser | None, query: str = "") -> requests.Response:
    headers = user.headers if user else {}
    return requests.get(f"{cloud.api_url}/me/checkouts{query}", headers=headers, timeout=T)


def _offer_accepted_at_once(
    cloud: LocalCloud, seller: TestUser, buyer: TestUser, category: dict[str, Any]
) -> str:
    listing = make_listing(cloud, seller, category, price=4000, shipping=500)
    terms = {"enabled": True, "auto_accept_at": {"amount": 3000, "currency": "USD"}}
    patched = requests.patch(
        f"{cloud.api_url}/listings/{listing['id']}",
        json={"best_offer": terms},
        headers=seller.headers,
        timeout=T,
    )
    assert patched.status_code == 200, patched.text
    made = requests.post(
        f"{cloud.api_url}/listings/{listing['id']}/offers",
        json={"amount": {"amount": 3200, "currency": "USD"}},
        headers=buyer.headers,
        timeout=T,
    )
    assert made.status_code == 201, made.text
    offer_id = str(made.json()["offer_id"])

    def accepted() -> bool:
        got = requests.get(f"{cloud.api_url}/offers/{offer_id}", headers=buyer.headers, timeout=T)
        return bool(got.json()["status"] == "accepted")

    cloud.wait_until(accepted, what="the offer accepted by the threshold", timeout_s=20)
    return offer_id


def test_given_a_cart_checkout_and_an_offer_checkout_then_both_newest_first_with_status_total_deadline(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    buyer = create_user(cloud, profile=True)
    address_id = add_address(cloud, buyer)
    # Given a checkout of the cart, then one of an accepted offer
    listing = make_listing(cloud, seller, category, price=2500, shipping=500)
    put_in_cart(cloud, buyer, listing["id"])
    cart = post_checkout(cloud, buyer, {"address_id": address_id}, key="mine-cart")
    assert cart.status_code == 202, cart.text
    wait_for_status(cloud, buyer, cart.json()["checkout_id"], "awaiting_payment")
    offer_id = _offer_accepted_at_once(cloud, seller, buyer, category)
    offer = post_checkout(cloud, buyer, {"address_id": address_id, "offer_id": offer_id})
    assert offer.status_code == 202, offer.text
    wait_for_status(cloud, buyer, offer.json()["checkout_id"], "awaiting_payment")

    # When the buyer lists their checkouts
    response = _mine(cloud, buyer)
    assert response.status_code == 200, response.text
    page = response.json()
    # Then both, newest first, each with its status, total and deadline
    assert [c["checkout_id"] for c in page["items"]] == [
        offer.json()["checkout_id"],
        cart.json()["checkout_id"],
    ]
    newest, oldest = page["items"]
    assert newest["status"] == "awaiting_payment" and newest["total"] == {"amount": 3700, "currency": "USD"}
    assert newest["agreement"] == {"kind": "offer", "id": offer_id}
    assert oldest["total"] == {"amount": 3000, "currency": "USD"} and oldest["agreement"] is None
    assert all(c["expires_at"].endswith("Z") for c in page["items"])
    assert newest["expires_at"] > oldest["expires_at"]  # the offer's 48 hours, the cart's 30 minutes
    assert page["next_cursor"] is None

    # pages of one, in the same order
    first = _mine(cloud, buyer, "?limit=1").json()
    assert [c["checkout_id"] for c in first["items"]] == [newest["checkout_id"]]
    second = _mine(cloud, buyer, f"?limit=1&cursor={first['next_cursor']}").json()
    assert [c["checkout_id"] for c in second["items"]] == [oldest["checkout_id"]]
    assert second["next_cursor"] is None


def test_given_someone_else_then_none_of_the_buyers_checkouts(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    buyer, stranger = create_user(cloud, profile=True), create_user(cloud, profile=True)
    listing = make_listing(cloud, seller, category)
    put_in_cart(cloud, buyer, listing["id"])
    assert post_checkout(cloud, buyer, {"address_id": add_address(cloud, buyer)}).status_code == 202
    assert _mine(cloud, stranger).json() == {"items": [], "next_cursor": None}
    assert len(_mine(cloud, buyer).json()["items"]) == 1


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?cursor=not-ours", 400, "INVALID_CURSOR"),
        ("?limit=0", 400, "INVALID_REQUEST"),
        ("?limit=101", 400, "INVALID_REQUEST"),
    ],
)
def test_given_a_bad_page_then_400(cloud: LocalCloud, query: str, status: int, code: str) -> None:
    buyer = create_user(cloud, profile=True)
    response = _mine(cloud, buyer, query)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_given_no_token_then_401(cloud: LocalCloud) -> None:
    assert _mine(cloud, None).status_code == 401
