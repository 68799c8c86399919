"""What the checkout scenarios share: a category, listings, a buyer with an address and a cart,
starting a checkout and confirming its payment the way a client does (the Stripe SDK, with the
publishable key and the PaymentIntent's client secret)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import requests
import stripe

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

T = 15
ADDRESS = {
    "name": "Ada Buyer",
    "line1": "1 Market Street",
    "city": "San Francisco",
    "region": "CA",
    "postal_code": "94105",
    "country": "US",
}


def make_category(cloud: LocalCloud, admin: TestUser) -> dict[str, Any]:
    response = requests.post(
        f"{cloud.api_url}/categories",
        json={"name": "Checkout test", "slug": f"checkout-test-{uuid.uuid4().hex[:8]}"},
        headers=admin.headers,
        timeout=T,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_listing(
    cloud: LocalCloud,
    seller: TestUser,
    category: dict[str, Any],
    *,
    price: int = 2500,
    quantity: int = 1,
    shipping: int = 500,
    title: str = "Checkout test item",
) -> dict[str, Any]:
    body = {
        "title": title,
        "description": "For the checkout tests",
        "category_id": category["id"],
        "condition": "used_good",
        "item_specifics": [],
        "price": {"amount": price, "currency": "USD"},
        "quantity": quantity,
        "shipping_options": [
            {"service": "Ground", "price": {"amount": shipping, "currency": "USD"}, "estimated_days": 5},
            {
                "service": "Express",
                "price": {"amount": shipping + 1000, "currency": "USD"},
                "estimated_days": 1,
            },
        ],
        "format": "fixed_price",
    }
    response = requests.post(f"{cloud.api_url}/listings", json=body, headers=seller.headers, timeout=T)
    assert response.status_code == 201, response.text
    return dict(response.json())


def add_address(cloud: LocalCloud, buyer: TestUser) -> str:
    response = requests.post(f"{cloud.api_url}/me/addresses", json=ADDRESS, headers=buyer.headers, timeout=T)
    assert response.status_code == 201, response.text
    return str(response.json()["address_id"])


def put_in_cart(cloud: LocalCloud, buyer: TestUser, listing_id: str, quantity: int = 1) -> None:
    response = requests.put(
        f"{cloud.api_url}/cart/items/{listing_id}",
        json={"quantity": quantity},
        headers=buyer.headers,
        timeout=T,
    )
    assert response.status_code in (200, 201), response.text


def post_checkout(
    cloud: LocalCloud, buyer: TestUser, body: dict[str, Any], key: str | None = None
) -> requests.Response:
    headers = dict(buyer.headers)
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(f"{cloud.api_url}/checkout", json=body, headers=headers, timeout=T)


def get_checkout(cloud: LocalCloud, buyer: TestUser, checkout_id: str) -> dict[str, Any]:
    response = requests.get(f"{cloud.api_url}/checkouts/{checkout_id}", headers=buyer.headers, timeout=T)
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_for_status(
    cloud: LocalCloud, buyer: TestUser, checkout_id: str, *statuses: str, timeout: float = 20.0
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def reached() -> bool:
        seen.update(get_checkout(cloud, buyer, checkout_id))
        return seen["status"] in statuses

    cloud.wait_until(reached, what=f"checkout {checkout_id} to be {' or '.join(statuses)}", timeout_s=timeout)
    return seen


def client_stripe(cloud: LocalCloud) -> stripe.StripeClient:
    """The SDK as a client app holds it: the publishable key only."""
    assert cloud.stripe is not None
    return stripe.StripeClient(cloud.stripe.publishable_key, base_addresses={"api": cloud.stripe.url})


def confirm_payment(cloud: LocalCloud, checkout: dict[str, Any], card: str = "pm_card_visa") -> Any:
    """Confirm as a client does, then let Stripe's event reach its (asynchronous) consumers."""
    payment = checkout["payment"]
    try:
        return client_stripe(cloud).v1.payment_intents.confirm(
            payment["payment_intent_id"],
            params={"payment_method": card, "client_secret": payment["client_secret"]},  # type: ignore[typeddict-unknown-key]
        )
    except stripe.CardError as exc:
        return exc
    finally:
        cloud.settle()
