"""Saved cards with Stripe through the local API; the client app confirms SetupIntents itself."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import stripe

from local.runtime import LocalCloud
from tests.api.accounts_support import call, post


def _stripe(cloud: LocalCloud, key: str) -> stripe.StripeClient:
    assert cloud.stripe is not None
    url = cloud.stripe.url
    return stripe.StripeClient(key, base_addresses={"api": url, "connect": url, "files": url})


def _save_card(cloud: LocalCloud, token: str, payment_method: str = "pm_card_visa") -> str:
    """What a client app does: ask the API for a SetupIntent, confirm it with Stripe.js' key."""
    setup = post(cloud, "/me/payment-methods/setup", token=token)
    assert setup.status_code == 201, setup.text
    body = setup.json()
    assert body["client_secret"].startswith(body["setup_intent_id"])
    assert cloud.stripe is not None
    confirmed = _stripe(cloud, cloud.stripe.publishable_key).v1.setup_intents.confirm(
        body["setup_intent_id"],
        params={"payment_method": payment_method, "client_secret": body["client_secret"]},
    )
    assert confirmed.status == "succeeded"
    return str(confirmed.payment_method)


def _customer_id(pg_url: str, user_id: str) -> str | None:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT stripe_customer_id FROM users WHERE user_id = %s", (user_id,)).fetchone()
    return row[0] if row else None


def test_given_a_card_confirmed_by_the_client_then_it_is_listed_with_brand_last4_expiry_and_default(
    cloud: LocalCloud, make_user, pg_url: str
) -> None:
    user = make_user()
    assert call(cloud, "GET", "/me/payment-methods", token=user.id_token).json() == {
        "items": [],
        "next_cursor": None,
    }
    pm_id = _save_card(cloud, user.id_token)
    listed = call(cloud, "GET", "/me/payment-methods", token=user.id_token)
    assert listed.status_code == 200, listed.text
    (card,) = listed.json()["items"]
    assert card["payment_method_id"] == pm_id
    assert (card["brand"], card["last4"], card["is_default"]) == ("visa", "4242", False)
    assert 1 <= card["exp_month"] <= 12 and card["exp_year"] >= 2026
    # When the customer's default payment method is this card, then the list says so
    assert cloud.stripe is not None
    customer_id = _customer_id(pg_url, user.user_id)
    assert customer_id
    _stripe(cloud, cloud.stripe.secret_key).v1.customers.update(
        customer_id, params={"invoice_settings": {"default_payment_method": pm_id}}
    )
    assert (
        call(cloud, "GET", "/me/payment-methods", token=user.id_token).json()["items"][0]["is_default"]
        is True
    )


def test_given_repeated_and_concurrent_first_setups_then_one_stripe_customer(
    cloud: LocalCloud, make_user, pg_url: str
) -> None:
    user = make_user()
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(lambda _: post(cloud, "/me/payment-methods/setup", token=user.id_token), range(4))
        )
    assert [a.status_code for a in answers] == [201] * 4
    customer_id = _customer_id(pg_url, user.user_id)
    assert customer_id and customer_id.startswith("cus_")
    assert cloud.stripe is not None
    customers = _stripe(cloud, cloud.stripe.secret_key).v1.customers.list(
        params={"email": user.email.lower()}
    )
    assert [c.id for c in customers.data] == [customer_id]
    post(cloud, "/me/payment-methods/setup", token=user.id_token)
    assert _customer_id(pg_url, user.user_id) == customer_id


def test_given_two_users_then_one_cannot_see_or_delete_the_others_card(cloud: LocalCloud, make_user) -> None:
    alice, mallory = make_user(), make_user()
    pm_id = _save_card(cloud, alice.id_token)
    _save_card(cloud, mallory.id_token, "pm_card_mastercard")
    mallory_cards = call(cloud, "GET", "/me/payment-methods", token=mallory.id_token).json()["items"]
    assert pm_id not in {c["payment_method_id"] for c in mallory_cards}
    stolen = call(cloud, "DELETE", f"/me/payment-methods/{pm_id}", token=mallory.id_token)
    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "PAYMENT_METHOD_NOT_FOUND"
    assert [
        c["payment_method_id"]
        for c in call(cloud, "GET", "/me/payment-methods", token=alice.id_token).json()["items"]
    ] == [pm_id]
    # the owner removes it
    assert call(cloud, "DELETE", f"/me/payment-methods/{pm_id}", token=alice.id_token).status_code == 204
    assert call(cloud, "GET", "/me/payment-methods", token=alice.id_token).json()["items"] == []
    assert call(cloud, "DELETE", f"/me/payment-methods/{pm_id}", token=alice.id_token).status_code == 404


def test_given_a_user_without_cards_when_deleting_then_404_and_bad_input_is_400(
    cloud: LocalCloud, make_user
) -> None:
    user = make_user()
    assert (
        call(cloud, "DELETE", "/me/payment-methods/pm_doesnotexist", token=user.id_token).status_code == 404
    )
    assert call(cloud, "DELETE", "/me/payment-methods/not-a-pm", token=user.id_token).status_code == 400
    assert call(cloud, "GET", "/me/payment-methods?limit=abc", token=user.id_token).status_code == 400


def test_given_more_cards_than_a_page_then_the_cursor_pages_through_them(
    cloud: LocalCloud, make_user
) -> None:
    user = make_user()
    saved = {
        _save_card(cloud, user.id_token, pm) for pm in ("pm_card_visa", "pm_card_mastercard", "pm_card_amex")
    }
    first = call(cloud, "GET", "/me/payment-methods?limit=2", token=user.id_token).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = call(
        cloud, "GET", f"/me/payment-methods?limit=2&cursor={first['next_cursor']}", token=user.id_token
    ).json()
    assert {c["payment_method_id"] for c in first["items"] + rest["items"]} == saved
    assert rest["next_cursor"] is None
