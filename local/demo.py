"""``make demo``: the whole story through the HTTP API, each step printed with its timing.

A seller signs up, verifies a phone, onboards with Stripe Connect and lists an item; a buyer
signs up, buys it and pays with the Stripe SDK; the seller ships, the buyer confirms delivery
and the payout lands on the seller's connected account. It ends with the order's ledger, and
exits 1 if any step did not happen as it should. ``make demo STORY=return`` tells a case instead,
after the shipment: the buyer says the item is not as described, the seller accepts a return, the
buyer ships it back, the seller confirms it arrived, the buyer is refunded and the payout stopped.

It runs its own local cloud (virtual clock, throwaway databases), so it needs nothing running.
The new-seller hold is off for the demo (``NEW_SELLER_HOLD_DAYS=0``); the tests cover holds.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import requests
import stripe

from local.runtime import LocalCloud, LocalCloudConfig
from local.seed import DEMO_PASSWORD, seed

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

T = 15
PASSWORD = "Demo-passw0rd-2026!"  # noqa: S105 - the demo users' password, local cloud only
_CODE = re.compile(r"\b(\d{6})\b")
SELLER_ADDRESS = {
    "name": "Sam Seller",
    "line1": "1 Market Street",
    "city": "San Francisco",
    "region": "CA",
    "postal_code": "94105",
    "country": "US",
}


class DemoFailed(Exception):
    pass


class Story:
    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.api = cloud.api_url
        self.started = time.perf_counter()
        self.steps = 0

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.steps += 1
        t = time.perf_counter()
        print(f"{self.steps:>2}. {title} ...", end="", flush=True)
        try:
            yield
        except Exception as exc:
            print(f" FAILED after {(time.perf_counter() - t) * 1000:.0f} ms\n    {type(exc).__name__}: {exc}")
            raise DemoFailed(title) from exc
        print(f" ok ({(time.perf_counter() - t) * 1000:.0f} ms)")

    def call(self, method: str, path: str, token: str | None = None, expect: int = 200, **kw: Any) -> Any:
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = requests.request(method, f"{self.api}{path}", headers=headers, timeout=T, **kw)
        if response.status_code != expect:
            raise DemoFailed(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def until(self, what: str, check: Callable[[], bool], timeout_s: float = 20.0) -> None:
        self.cloud.wait_until(check, what=what, timeout_s=timeout_s)

    def code_sent_to(self, to: str, channel: str) -> str:
        def found() -> bool:
            return any(_CODE.search(m.body) for m in self.cloud.outbox.list(to=to, channel=channel))  # type: ignore[arg-type]

        self.until(f"a code for {to}", found)
        message = next(m for m in self.cloud.outbox.list(to=to, channel=channel) if _CODE.search(m.body))  # type: ignore[arg-type]
        match = _CODE.search(message.body)
        assert match is not None
        return match.group(1)

    def verify_phone_and_add_address(self, token: str, phone: str, address: dict[str, Any]) -> None:
        self.call("PATCH", "/me", token, json={"phone": phone})
        self.call("POST", "/me/phone/verification", token, expect=202)
        code = self.code_sent_to(phone, "sms")
        self.call("POST", "/me/phone/verification/check", token, json={"code": code})
        self.call("POST", "/me/addresses", token, json=address, expect=201)

    def join_seller_program(self, token: str) -> str:
        """``POST /sellers``; the onboarding URL (Stripe's hosted form)."""
        body = {"country": "US", "business_type": "individual", "default_currency": "USD"}
        onboarding = self.call("POST", "/sellers", token, expect=202, json=body)
        url = onboarding.get("onboarding_url")
        if not url:
            self.until(
                "the onboarding link",
                lambda: bool(self.call("GET", "/sellers/me", token).get("onboarding_url")),
            )
            url = self.call("GET", "/sellers/me", token)["onboarding_url"]
        return str(url)

    def complete_onboarding(self, token: str, url: str) -> None:
        """Submit Stripe's hosted form (the stand-in's POST) and wait for the seller to be active."""
        completed = requests.post(
            url, data={"outcome": "complete"}, headers={"Accept": "application/json"}, timeout=T
        )
        if completed.status_code >= 400:
            raise DemoFailed(f"onboarding form: {completed.status_code} {completed.text[:200]}")
        self.until(
            "the seller to be active", lambda: self.call("GET", "/sellers/me", token)["status"] == "active"
        )

    def sign_up(self, email: str, name: str) -> dict[str, Any]:
        self.call(
            "POST", "/auth/signup", json={"email": email, "password": PASSWORD, "name": name}, expect=201
        )
        code = self.code_sent_to(email, "email")
        self.call("POST", "/auth/confirm", json={"email": email, "code": code})
        tokens: dict[str, Any] = self.call("POST", "/auth/login", json={"email": email, "password": PASSWORD})
        return tokens


def run(cloud: LocalCloud, story: str = "sale") -> dict[str, Any]:  # noqa: PLR0915 - the steps, in order
    s = Story(cloud)
    run_id = uuid.uuid4().hex[:6]
    seller_email, buyer_email = f"sam-{run_id}@example.com", f"bea-{run_id}@example.com"
    phone = "+14155550" + str(100 + int(run_id[:2], 16))
    address = SELLER_ADDRESS
    state: dict[str, Any] = {}

    with s.step(f"the seller signs up and confirms the emailed code ({seller_email})"):
        seller = s.sign_up(seller_email, "Sam Seller")
    with s.step("the seller verifies a phone number (Twilio Verify) and adds an address"):
        s.verify_phone_and_add_address(seller["id_token"], phone, address)
    with s.step("the seller joins the seller program (seller_onboarding, Stripe Connect Express)"):
        url = s.join_seller_program(seller["id_token"])
    with s.step("the seller completes Stripe's hosted onboarding form; account.updated activates them"):
        s.complete_onboarding(seller["id_token"], url)
        seller = s.call("POST", "/auth/login", json={"email": seller_email, "password": PASSWORD})
    with s.step("the seller lists an item"):
        admin = s.call("POST", "/auth/login", json={"email": "admin@resale.local", "password": DEMO_PASSWORD})
        category = s.call(
            "POST",
            "/categories",
            admin["id_token"],
            expect=201,
            json={"name": "Demo bikes", "slug": f"demo-bikes-{run_id}"},
        )
        listing = s.call(
            "POST",
            "/listings",
            seller["id_token"],
            expect=201,
            json={
                "title": "Trek Domane AL 2 road bike",
                "description": "Size 56, ridden twice.",
                "category_id": category["id"],
                "condition": "used_like_new",
                "item_specifics": [],
                "price": {"amount": 54000, "currency": "USD"},
                "quantity": 1,
                "format": "fixed_price",
                "shipping_options": [
                    {"service": "Ground", "price": {"amount": 2500, "currency": "USD"}, "estimated_days": 5}
                ],
            },
        )
    with s.step(f"a buyer signs up ({buyer_email}), adds an address and puts the bike in the cart"):
        buyer = s.sign_up(buyer_email, "Bea Buyer")
        address_id = s.call(
            "POST", "/me/addresses", buyer["id_token"], json=address | {"name": "Bea Buyer"}, expect=201
        )["address_id"]
        s.call("PUT", f"/cart/items/{listing['id']}", buyer["id_token"], json={"quantity": 1})
    with s.step("the buyer checks out (checkout state machine → awaiting_payment)"):
        checkout = s.call(
            "POST",
            "/checkout",
            buyer["id_token"],
            expect=202,
            json={"address_id": address_id},
            headers={"Idempotency-Key": f"demo-{run_id}"},
        )
        s.until(
            "the payment to be awaited",
            lambda: (
                s.call("GET", f"/checkouts/{checkout['checkout_id']}", buyer["id_token"])["status"]
                == "awaiting_payment"
            ),
        )
        checkout = s.call("GET", f"/checkouts/{checkout['checkout_id']}", buyer["id_token"])
    with s.step("the buyer pays with the Stripe SDK (pm_card_visa) → paid"):
        assert cloud.stripe is not None
        client = stripe.StripeClient(cloud.stripe.publishable_key, base_addresses={"api": cloud.stripe.url})
        payment = checkout["payment"]
        client.v1.payment_intents.confirm(
            payment["payment_intent_id"],
            params={  # type: ignore[arg-type]  # client_secret: the publishable-key form
                "payment_method": "pm_card_visa",
                "client_secret": payment["client_secret"],
            },
        )
        s.until(
            "the checkout to be paid",
            lambda: (
                s.call("GET", f"/checkouts/{checkout['checkout_id']}", buyer["id_token"])["status"] == "paid"
            ),
        )
        (order_id,) = s.call("GET", f"/checkouts/{checkout['checkout_id']}", buyer["id_token"])["order_ids"]
        state["order_id"] = order_id
    with s.step("the seller ships it"):
        s.until("the payout to wait for the shipment", lambda: _payout_started(cloud, order_id))
        s.call(
            "POST",
            f"/orders/{order_id}/ship",
            seller["id_token"],
            json={"carrier": "USPS", "tracking_number": "9400100000000000000000"},
        )
    if story == "return":
        return _return_story(s, state, buyer=buyer, seller=seller, admin=admin, order_id=order_id)
    with s.step("the buyer confirms delivery"):
        s.call("POST", f"/orders/{order_id}/confirm-delivery", buyer["id_token"])
    with s.step("the payout lands on the seller's connected account (payout state machine, Stripe transfer)"):
        s.until(
            "the payout to be transferred",
            lambda: any(
                p.get("status") == "transferred"
                for p in s.call("GET", "/sellers/me/payouts", seller["id_token"])["items"]
            ),
            timeout_s=30,
        )
        balance = s.call("GET", "/sellers/me/balance", seller["id_token"])
        print(f"\n    seller balance: {json.dumps(balance)}", end="")
    with s.step("the order's ledger balances"):
        ledger = s.call("GET", f"/admin/orders/{order_id}/ledger", admin["id_token"])
        if not ledger.get("balanced") or not ledger.get("settled_correctly"):
            raise DemoFailed(f"the ledger does not balance: {json.dumps(ledger)[:300]}")
        state["ledger"] = ledger
    state["elapsed_s"] = time.perf_counter() - s.started
    return state


def _return_story(
    s: Story,
    state: dict[str, Any],
    *,
    buyer: dict[str, Any],
    seller: dict[str, Any],
    admin: dict[str, Any],
    order_id: str,
) -> dict[str, Any]:
    """``make demo STORY=return``: the item is not as described; a case, a return, a refund."""
    with s.step("the buyer opens a case: not as described (case_resolution state machine)"):
        case = s.call(
            "POST",
            f"/orders/{order_id}/cases",
            buyer["id_token"],
            expect=201,
            json={"reason": "not_as_described", "description": "The jacket is a size smaller than listed."},
            headers={"Idempotency-Key": f"demo-case-{order_id}"},
        )
        case_id = case["case_id"]
        print(f"\n    case {case_id}: {case['status']}, the seller responds by {case['respond_by']}", end="")

    def waits(status: str) -> Callable[[], bool]:
        return lambda: s.call("GET", f"/cases/{case_id}", buyer["id_token"])["status"] == status

    with s.step("the seller accepts a return"):
        s.call("POST", f"/cases/{case_id}/respond", seller["id_token"], json={"action": "accept_return"})
    with s.step("the buyer ships it back"):
        s.until("the case to wait for the return", waits("awaiting_return_shipment"))
        s.call(
            "POST",
            f"/cases/{case_id}/return-shipment",
            buyer["id_token"],
            json={"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
        )
    with s.step("the seller confirms the return arrived → the buyer is refunded through Stripe"):
        s.until("the case to wait for the receipt", waits("return_in_transit"))
        s.call("POST", f"/cases/{case_id}/confirm-return", seller["id_token"])
        s.until("the case to close", waits("closed"))
        closed = s.call("GET", f"/cases/{case_id}", buyer["id_token"])
        if closed["outcome"] != "refunded":
            raise DemoFailed(f"the case ended {closed['outcome']}, not refunded")
        for entry in closed["timeline"]:
            print(f"\n    {entry['at'][:19]}  {entry['role']:<6} {entry['action']}", end="")
    with s.step("the order is refunded and its payout stopped: nothing was sent to the seller"):
        order = s.call("GET", f"/orders/{order_id}", buyer["id_token"])
        payouts = s.call("GET", "/sellers/me/payouts", seller["id_token"])["items"]
        if order["status"] != "refunded" or any(p.get("status") == "transferred" for p in payouts):
            raise DemoFailed(f"the order is {order['status']}; payouts {json.dumps(payouts)[:200]}")
    with s.step("the order's ledger balances"):
        ledger = s.call("GET", f"/admin/orders/{order_id}/ledger", admin["id_token"])
        if not ledger.get("balanced") or not ledger.get("settled_correctly"):
            raise DemoFailed(f"the ledger does not balance: {json.dumps(ledger)[:300]}")
        state["ledger"] = ledger
    state["elapsed_s"] = time.perf_counter() - s.started
    return state


def onboard_demo_seller(cloud: LocalCloud, email: str, password: str) -> str:
    """``make dev``: the seeded seller gets a verified phone, an address and an active connected
    account, so payouts of the seeded listings can land. Returns a line for the start-up summary."""
    story = Story(cloud)
    token = story.call("POST", "/auth/login", json={"email": email, "password": password})["id_token"]
    address = SELLER_ADDRESS
    story.verify_phone_and_add_address(token, "+14155550100", address)
    story.complete_onboarding(token, story.join_seller_program(token))
    return f"{email} onboarded with Stripe Connect (payouts can land)"


def _payout_started(cloud: LocalCloud, order_id: str) -> bool:
    aws, provisioned = cloud.started()
    sfn = aws.client("stepfunctions")
    return any(
        order_id in e["name"]
        for e in sfn.list_executions(stateMachineArn=provisioned.state_machine_arn("payout"))["executions"]
    )


def _print_ledger(ledger: dict[str, Any]) -> None:
    print("\nThe order's ledger (minor units):")
    for entry in ledger.get("entries", []):
        print(f"  {entry['kind']:<10} {entry.get('description', '')}")
        for posting in entry["postings"]:
            debit = posting["side"] == "debit"
            amount = f"{posting['amount']['amount']} {posting['amount']['currency']}"
            print(f"      {'Dr' if debit else 'Cr'} {posting['account']:<50} {amount:>14}")
    print(f"  balanced: {ledger.get('balanced')}, settled correctly: {ledger.get('settled_correctly')}")


def main() -> int:
    logging.basicConfig(level=logging.CRITICAL)
    logging.disable(logging.ERROR)
    os.environ.setdefault("NEW_SELLER_HOLD_DAYS", "0")
    t = time.perf_counter()
    cloud = LocalCloud(LocalCloudConfig(clock="virtual"))
    cloud.start()
    print(f"local cloud started in {time.perf_counter() - t:.1f} s; API {cloud.api_url}\n")
    try:
        seed(cloud)
        state = run(cloud, os.environ.get("STORY") or "sale")
    except DemoFailed as exc:
        print(f"\nThe demo stopped: {exc}")
        return 1
    finally:
        cloud.stop()
    _print_ledger(state["ledger"])
    print(f"\nThe whole story took {state['elapsed_s']:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
