"""A seller whom Stripe restricts after onboarding, over HTTP: the seller-accounts consumer reads the
account at Stripe on its account.updated (through the Stripe bus), GET /sellers/me says what Stripe
requires, POST /listings is refused, the seller is emailed; enabled again, they list again."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import requests

from lambdas.wiring import onboarding
from local.seed import login
from tests.api.accounts_support import call, post
from tests.api.test_sellers import _onboarding, _start, _submit, _wait_for_status, ready_user
from tests.fixtures.users import PASSWORD

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser as User

__all__ = ["ready_user"]  # the fixture, shared with test_sellers
T = 15


def _listing(cloud: LocalCloud, admin: User) -> dict[str, Any]:
    category = requests.post(
        f"{cloud.api_url}/categories",
        json={"name": "Restriction test", "slug": f"restriction-{uuid.uuid4().hex[:8]}"},
        headers=admin.headers,
        timeout=T,
    )
    assert category.status_code == 201, category.text
    return {
        "title": "An item",
        "description": "Listed by a seller Stripe may restrict",
        "category_id": category.json()["id"],
        "condition": "used_good",
        "item_specifics": [],
        "price": {"amount": 2500, "currency": "USD"},
        "quantity": 1,
        "shipping_options": [
            {"service": "Ground", "price": {"amount": 500, "currency": "USD"}, "estimated_days": 5}
        ],
        "format": "fixed_price",
    }


def _stripe_restricts(cloud: LocalCloud, account_id: str) -> None:
    """Stripe's review restricts the account (payouts disabled until a document is given)."""
    import stripe

    assert cloud.stripe is not None
    client = stripe.StripeClient(cloud.stripe.secret_key, base_addresses={"api": cloud.stripe.url})
    link = client.v1.account_links.create(
        params={
            "account": account_id,
            "refresh_url": "https://resale.example/refresh",
            "return_url": "https://resale.example/return",
            "type": "account_update",
        }
    )
    _submit(link.url, "restrict")


def _subjects(cloud: LocalCloud, user: User) -> list[str]:
    return [m.subject or "" for m in cloud.outbox.list(to=user.email, channel="email")]


def test_given_an_active_seller_whom_stripe_restricts_then_no_new_listings_until_enabled_again(
    cloud: LocalCloud, ready_user: User, admin: User
) -> None:
    # Given an active seller, who can list
    started = _start(cloud, ready_user).json()
    _submit(started["onboarding_url"], "complete")
    _wait_for_status(cloud, ready_user, "active")
    token = login(cloud, ready_user.email, PASSWORD)["id_token"]
    listing = _listing(cloud, admin)
    assert post(cloud, "/listings", listing, token=token).status_code == 201
    # When Stripe restricts the account
    current = onboarding.wiring().store.current(ready_user.user_id)
    assert current is not None and current.stripe_account_id
    _stripe_restricts(cloud, current.stripe_account_id)
    # Then GET /sellers/me says restricted, and what Stripe requires
    restricted = _wait_for_status(cloud, ready_user, "restricted")
    assert restricted["requirements_due"] == ["individual.verification.document"]
    assert restricted["payouts_enabled"] is False and restricted["expires_at"] is None
    assert call(cloud, "GET", "/me", token=token).json()["seller_status"] == "restricted"
    # And a new listing is refused with a clear code
    refused = post(cloud, "/listings", listing, token=token)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "SELLER_RESTRICTED"
    # And the seller is told what Stripe requires
    cloud.wait_until(
        lambda: any("restricted your seller account" in s for s in _subjects(cloud, ready_user)),
        what="the restriction email",
    )
    # When the seller gives it through a fresh link to Stripe's page
    link = post(cloud, "/sellers/me/onboarding-link", token=token)
    assert link.status_code == 200, link.text
    _submit(link.json()["onboarding_url"], "complete")
    # Then they are active again, can list, and are told
    assert _wait_for_status(cloud, ready_user, "active")["requirements_due"] == []
    assert post(cloud, "/listings", listing, token=token).status_code == 201
    cloud.wait_until(
        lambda: any("enabled again" in s for s in _subjects(cloud, ready_user)), what="the reinstated email"
    )
    assert _onboarding(cloud, ready_user).json()["onboarding_id"] == started["onboarding_id"]
