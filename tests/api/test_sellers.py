"""Seller onboarding over HTTP: POST /sellers, GET /sellers/me, POST /sellers/me/onboarding-link,
with the real seller_onboarding machine, the Stripe stand-in's hosted onboarding page and its
account.updated events through EventBridge."""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

import pytest
import requests

from local.runtime import LocalCloud
from local.seed import login
from tests.api.accounts_support import call, post
from tests.fixtures.users import PASSWORD
from tests.fixtures.users import TestUser as User
from tests.workflows.fees_support import seed_launch_schedule

T = 15
BODY = {"country": "US", "business_type": "individual", "default_currency": "USD"}
_CODE = re.compile(r"\b(\d{4,10})\b")


@pytest.fixture(autouse=True)
def launch_schedule(pg_url: str) -> None:
    """Listings are priced in the fee schedule's currencies: the launch schedule is in effect."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        seed_launch_schedule(conn)


def _verified_phone(cloud: LocalCloud, user: User) -> None:
    phone = f"+1415{random.randrange(10**6, 10**7)}"
    assert call(cloud, "PATCH", "/me", token=user.id_token, json={"phone": phone}).status_code == 200
    assert post(cloud, "/me/phone/verification", token=user.id_token).status_code == 202
    cloud.wait_until(lambda: cloud.outbox.list(to=phone, channel="sms"), what=f"SMS to {phone}")
    match = _CODE.search(cloud.outbox.list(to=phone, channel="sms")[0].body)
    assert match
    checked = post(cloud, "/me/phone/verification/check", {"code": match.group(1)}, token=user.id_token)
    assert checked.status_code == 200, checked.text


def _address(cloud: LocalCloud, user: User) -> None:
    address = {
        "name": "Ann",
        "line1": "1 Main St",
        "city": "Springfield",
        "postal_code": "02139",
        "country": "US",
    }
    assert post(cloud, "/me/addresses", address, token=user.id_token).status_code == 201


@pytest.fixture
def ready_user(cloud: LocalCloud, make_user) -> User:
    """Given a buyer with a confirmed email, a verified phone and an address."""
    user = make_user()
    _verified_phone(cloud, user)
    _address(cloud, user)
    return user


def _onboarding(cloud: LocalCloud, user: User) -> requests.Response:
    return call(cloud, "GET", "/sellers/me", token=user.id_token)


def _wait_for_status(cloud: LocalCloud, user: User, status: str) -> dict[str, Any]:
    cloud.wait_until(
        lambda: _onboarding(cloud, user).json().get("status") == status, timeout_s=20, what=f"status {status}"
    )
    return _onboarding(cloud, user).json()


def _submit(url: str, outcome: str) -> None:
    """What the seller's browser does on Stripe's hosted page (the stand-in's form)."""
    submitted = requests.post(
        url, data={"outcome": outcome}, headers={"Accept": "application/json"}, timeout=T
    )
    assert submitted.status_code == 200, submitted.text


def _start(cloud: LocalCloud, user: User, **kwargs: Any) -> requests.Response:
    return post(cloud, "/sellers", kwargs.pop("body", BODY), token=user.id_token, **kwargs)


def test_given_a_ready_buyer_when_onboarding_completes_then_they_are_a_seller_who_can_list(
    cloud: LocalCloud, ready_user: User, admin: User
) -> None:
    # When the buyer asks to sell
    started = _start(cloud, ready_user)
    assert started.status_code == 202, started.text
    body = started.json()
    assert body["status"] == "onboarding" and body["status_url"] == "/sellers/me"
    assert body["onboarding_url"] and "/connect/onboarding/" in body["onboarding_url"]
    # (the workflow is the execution named by the onboarding id)
    assert body["onboarding_id"]
    # And submits Stripe's hosted onboarding form
    _submit(body["onboarding_url"], "complete")
    # Then the workflow makes them an active seller
    done = _wait_for_status(cloud, ready_user, "active")
    assert done["charges_enabled"] and done["payouts_enabled"] and done["requirements_due"] == []
    assert call(cloud, "GET", "/me", token=ready_user.id_token).json()["seller_status"] == "active"
    # And a new token carries the seller group, with which a listing can be created
    token = login(cloud, ready_user.email, PASSWORD)["id_token"]
    category = requests.post(
        f"{cloud.api_url}/categories",
        json={"name": "Onboarding test", "slug": f"onboarding-{uuid.uuid4().hex[:8]}"},
        headers=admin.headers,
        timeout=T,
    )
    assert category.status_code == 201, category.text
    listing = {
        "title": "First item",
        "description": "Listed right after onboarding",
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
    old = post(cloud, "/listings", listing, token=ready_user.id_token)
    assert old.status_code == 403
    created = post(cloud, "/listings", listing, token=token)
    assert created.status_code == 201, created.text
    # And the seller cannot start another onboarding; the completion was emailed
    again = post(cloud, "/sellers", BODY, token=token)
    assert again.status_code == 409 and again.json()["error"]["code"] == "SELLER_ALREADY_ACTIVE"
    cloud.wait_until(
        lambda: any(
            "sell on Resale now" in (m.subject or "") for m in cloud.outbox.list(to=ready_user.email)
        ),
        what="the completion email",
    )


def test_given_a_rejected_account_then_the_onboarding_is_rejected_and_the_user_stays_a_buyer(
    cloud: LocalCloud, ready_user: User
) -> None:
    started = _start(cloud, ready_user).json()
    _submit(started["onboarding_url"], "reject")
    rejected = _wait_for_status(cloud, ready_user, "rejected")
    assert rejected["disabled_reason"].startswith("rejected.")
    assert rejected["charges_enabled"] is False
    assert call(cloud, "GET", "/me", token=ready_user.id_token).json()["seller_status"] == "none"
    again = _start(cloud, ready_user)
    assert again.status_code == 409 and again.json()["error"]["code"] == "SELLER_REJECTED"


def test_given_a_restricted_account_then_what_stripe_requires_is_reported_and_a_fresh_link_finishes_it(
    cloud: LocalCloud, ready_user: User
) -> None:
    started = _start(cloud, ready_user).json()
    _submit(started["onboarding_url"], "restrict")
    restricted = _wait_for_status(cloud, ready_user, "restricted")
    assert restricted["requirements_due"] == ["individual.verification.document"]
    assert restricted["charges_enabled"] is True and restricted["payouts_enabled"] is False
    # When the seller gets a fresh link and completes what is due
    link = post(cloud, "/sellers/me/onboarding-link", token=ready_user.id_token)
    assert link.status_code == 200, link.text
    assert link.json()["onboarding_url"] != started["onboarding_url"]
    _submit(link.json()["onboarding_url"], "complete")
    # Then the same onboarding ends active
    assert _wait_for_status(cloud, ready_user, "active")["onboarding_id"] == started["onboarding_id"]


def test_given_a_profile_without_phone_or_address_then_409_says_what_is_missing(
    cloud: LocalCloud, make_user
) -> None:
    user = make_user()
    response = _start(cloud, user)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "SELLER_REQUIREMENTS_MISSING"
    assert error["details"] == {"missing": ["phone_verified", "address"]}
    _address(cloud, user)
    assert _start(cloud, user).json()["error"]["details"] == {"missing": ["phone_verified"]}
    assert _onboarding(cloud, user).status_code == 404


def test_given_an_onboarding_in_progress_then_posting_again_answers_it_and_idempotency_keys_are_honoured(
    cloud: LocalCloud, ready_user: User
) -> None:
    key = {"Idempotency-Key": f"onb-{uuid.uuid4()}"}
    first = _start(cloud, ready_user, headers=key)
    assert first.status_code == 202, first.text
    replay = _start(cloud, ready_user, headers=key)
    assert replay.status_code == 202 and replay.json()["onboarding_id"] == first.json()["onboarding_id"]
    other_body = {**BODY, "business_type": "company"}
    reused = _start(cloud, ready_user, headers=key, body=other_body)
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    # without a key, a second POST answers the onboarding in progress
    again = _start(cloud, ready_user, body=other_body)
    assert again.status_code == 202 and again.json()["onboarding_id"] == first.json()["onboarding_id"]
    assert again.json()["business_type"] == "individual"


def test_given_someone_elses_onboarding_then_it_is_not_visible(
    cloud: LocalCloud, ready_user: User, make_user
) -> None:
    mine = _start(cloud, ready_user).json()
    other = make_user()
    seen = _onboarding(cloud, other)
    assert seen.status_code == 404 and seen.json()["error"]["code"] == "SELLER_ONBOARDING_NOT_FOUND"
    assert mine["onboarding_id"] not in seen.text
    link = post(cloud, "/sellers/me/onboarding-link", token=other.id_token)
    assert link.status_code == 404
    assert _onboarding(cloud, ready_user).json()["onboarding_id"] == mine["onboarding_id"]


@pytest.mark.parametrize(
    "body",
    [
        {**BODY, "country": "XX"},
        {**BODY, "default_currency": "usd"},
        {**BODY, "business_type": "charity"},
        {**BODY, "roles": ["seller"]},
        {"country": "US"},
    ],
    ids=["country", "currency", "business_type", "unknown_field", "missing_fields"],
)
def test_given_bad_input_then_400(cloud: LocalCloud, make_user, body: dict[str, Any]) -> None:
    response = _start(cloud, make_user(), body=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "INVALID_REQUEST"


def test_given_no_token_then_401(cloud: LocalCloud) -> None:
    assert requests.post(f"{cloud.api_url}/sellers", json=BODY, timeout=T).status_code == 401
    assert requests.get(f"{cloud.api_url}/sellers/me", timeout=T).status_code == 401
