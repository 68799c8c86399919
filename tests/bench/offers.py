"""Best Offer benchmark: offer → accepted → paid at the agreed price, through the local API.

Twenty buyers each make one offer on a listing of their own whose seller set ``auto_accept_at``
under it (so the offer machine accepts it at once), check out at the agreed price
(``POST /checkout`` {address_id, offer_id}), confirm the PaymentIntent with the Stripe SDK as a
client does, and wait for the offer to read ``purchased`` (the paid checkout resumes the offer
machine through ``AgreedCheckoutEnded``). Then twenty negotiations answered by hand: an offer,
the seller's counter, the buyer's acceptance. Polls are 2 ms apart; between two rounds (not
timed) the local cloud settles, as in the checkout benchmark.

Reported (real time, p50/p95): POST offer → accepted by the threshold; accepted → checkout
paid; paid → offer purchased; the whole offer → purchased; and ``POST /offers/{id}/counter``
and ``/accept`` answered by hand. ``run(cloud)`` returns the report lines.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import requests
import stripe

from tests.e2e.checkout_support import ADDRESS, make_category, make_listing
from tests.fixtures.users import create_user

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

ROUNDS = 20
T = 15


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def _until(
    session: requests.Session, url: str, headers: dict[str, str], status: str, timeout_s: float = 30.0
) -> dict[str, Any]:
    """Poll ``url`` (2 ms apart) until its ``status`` is ``status``; the last answer."""
    deadline = time.perf_counter() + timeout_s
    while True:
        seen = dict(session.get(url, headers=headers, timeout=T).json())
        if seen["status"] == status:
            return seen
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{url} never became {status}")
        time.sleep(0.002)


def _listing(cloud: LocalCloud, seller: TestUser, category: dict[str, Any], auto_accept: int | None) -> str:
    listing = make_listing(cloud, seller, category, price=5000, shipping=500, title="Offer bench item")
    terms: dict[str, Any] = {"enabled": True}
    if auto_accept is not None:
        terms["auto_accept_at"] = {"amount": auto_accept, "currency": "USD"}
    patched = requests.patch(
        f"{cloud.api_url}/listings/{listing['id']}",
        json={"best_offer": terms},
        headers=seller.headers,
        timeout=T,
    )
    assert patched.status_code == 200, patched.text
    return str(listing["id"])


def _bought(cloud: LocalCloud, seller: TestUser, category: dict[str, Any]) -> list[str]:
    assert cloud.stripe is not None
    client = stripe.StripeClient(cloud.stripe.publishable_key, base_addresses={"api": cloud.stripe.url})
    to_accept, to_pay, to_close, whole = [], [], [], []
    for _ in range(ROUNDS):
        buyer = create_user(cloud, profile=True)
        headers = buyer.headers
        address = requests.post(f"{cloud.api_url}/me/addresses", json=ADDRESS, headers=headers, timeout=T)
        assert address.status_code == 201, address.text
        listing_id = _listing(cloud, seller, category, auto_accept=4000)
        session = requests.Session()
        started = time.perf_counter()
        made = session.post(
            f"{cloud.api_url}/listings/{listing_id}/offers",
            json={"amount": {"amount": 4200, "currency": "USD"}},
            headers=headers,
            timeout=T,
        )
        assert made.status_code == 201, made.text
        offer_url = f"{cloud.api_url}/offers/{made.json()['offer_id']}"
        _until(session, offer_url, headers, "accepted")
        accepted = time.perf_counter()
        checkout = session.post(
            f"{cloud.api_url}/checkout",
            json={"address_id": address.json()["address_id"], "offer_id": made.json()["offer_id"]},
            headers=headers,
            timeout=T,
        )
        assert checkout.status_code == 202, checkout.text
        checkout_url = f"{cloud.api_url}/checkouts/{checkout.json()['checkout_id']}"
        payment = _until(session, checkout_url, headers, "awaiting_payment")["payment"]
        client.v1.payment_intents.confirm(
            payment["payment_intent_id"],
            params={"payment_method": "pm_card_visa", "client_secret": payment["client_secret"]},  # type: ignore[typeddict-unknown-key]
        )
        _until(session, checkout_url, headers, "paid")
        paid = time.perf_counter()
        _until(session, offer_url, headers, "purchased")
        closed = time.perf_counter()
        to_accept.append((accepted - started) * 1000)
        to_pay.append((paid - accepted) * 1000)
        to_close.append((closed - paid) * 1000)
        whole.append((closed - started) * 1000)
        cloud.settle()
    return [
        f"offer -> accepted by the threshold ({ROUNDS}): p50 {_percentile(to_accept, 50):.0f} ms, "
        f"p95 {_percentile(to_accept, 95):.0f} ms",
        f"accepted -> checkout paid at the agreed price: p50 {_percentile(to_pay, 50):.0f} ms, "
        f"p95 {_percentile(to_pay, 95):.0f} ms",
        f"paid -> offer purchased: p50 {_percentile(to_close, 50):.0f} ms, "
        f"p95 {_percentile(to_close, 95):.0f} ms",
        f"offer -> purchased, end to end: p50 {_percentile(whole, 50):.0f} ms, "
        f"p95 {_percentile(whole, 95):.0f} ms",
    ]


def _answered(cloud: LocalCloud, seller: TestUser, category: dict[str, Any]) -> list[str]:
    counters, accepts = [], []
    for _ in range(ROUNDS):
        buyer = create_user(cloud, profile=True)
        listing_id = _listing(cloud, seller, category, auto_accept=None)
        session = requests.Session()
        made = session.post(
            f"{cloud.api_url}/listings/{listing_id}/offers",
            json={"amount": {"amount": 3000, "currency": "USD"}},
            headers=buyer.headers,
            timeout=T,
        )
        assert made.status_code == 201, made.text
        path = f"{cloud.api_url}/offers/{made.json()['offer_id']}"
        started = time.perf_counter()
        countered = session.post(
            f"{path}/counter",
            json={"amount": {"amount": 4500, "currency": "USD"}},
            headers=seller.headers,
            timeout=T,
        )
        counters.append((time.perf_counter() - started) * 1000)
        assert countered.status_code == 200, countered.text
        started = time.perf_counter()
        accepted = session.post(f"{path}/accept", headers=buyer.headers, timeout=T)
        accepts.append((time.perf_counter() - started) * 1000)
        assert accepted.status_code == 200, accepted.text
        cloud.settle()
    return [
        f"POST /offers/{{id}}/counter ({ROUNDS}): p50 {_percentile(counters, 50):.1f} ms, "
        f"p95 {_percentile(counters, 95):.1f} ms",
        f"POST /offers/{{id}}/accept (holds the unit): p50 {_percentile(accepts, 50):.1f} ms, "
        f"p95 {_percentile(accepts, 95):.1f} ms",
    ]


def run(cloud: LocalCloud) -> list[str]:
    admin = create_user(cloud, groups=("buyer", "admin"), profile=True)
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    category = make_category(cloud, admin)
    return [*_bought(cloud, seller, category), *_answered(cloud, seller, category)]
