"""Stripe's object shapes, its test cards and its processing fee."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from local.providers.stripe.store import new_id


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str | None
    message: str


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    funding: str = "credit"
    country: str = "US"
    decline: Decline | None = None
    #: Stripe verifies a card when it is attached: most declining cards fail there already
    declines_on_attach: bool = True
    #: charges on this card are available at once instead of pending
    bypass_pending: bool = False
    #: refunds of a charge on this card answer ``pending`` (Stripe's 4000 0000 0000 7726) and
    #: stay pending until settled (``POST /v1/test_helpers/refunds/{id}/settle``, payments.py)
    refund_pending: bool = False
    #: a charge on this card is disputed as soon as it succeeds (Stripe's 4000 0000 0000 0259;
    #: ``local/providers/stripe/disputes.py``)
    disputes: bool = False


_GENERIC = Decline("card_declined", "generic_decline", "Your card was declined.")

#: ``pm_card_<name>`` and ``tok_<name>`` test ids, as in Stripe's test mode
TEST_CARDS: dict[str, TestCard] = {
    "visa": TestCard("visa", "4242"),
    "visa_debit": TestCard("visa", "5556", funding="debit"),
    "mastercard": TestCard("mastercard", "4444"),
    "amex": TestCard("amex", "8431"),
    "discover": TestCard("discover", "9424"),
    "bypassPending": TestCard("visa", "0077", bypass_pending=True),
    "pendingRefund": TestCard("visa", "7726", refund_pending=True),
    "createDispute": TestCard("visa", "0259", disputes=True),
    "chargeDeclined": TestCard("visa", "0002", decline=_GENERIC),
    "chargeDeclinedInsufficientFunds": TestCard(
        "visa",
        "9995",
        decline=Decline("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    ),
    "chargeDeclinedExpiredCard": TestCard(
        "visa", "0069", decline=Decline("expired_card", "expired_card", "Your card has expired.")
    ),
    "chargeDeclinedIncorrectCvc": TestCard(
        "visa",
        "0127",
        decline=Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
    ),
    "chargeDeclinedProcessingError": TestCard(
        "visa",
        "0119",
        decline=Decline(
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
    ),
    "chargeCustomerFail": TestCard("visa", "0341", decline=_GENERIC, declines_on_attach=False),
}


def test_card(test_id: str) -> TestCard | None:
    for prefix in ("pm_card_", "tok_"):
        if test_id.startswith(prefix):
            return TEST_CARDS.get(test_id.removeprefix(prefix))
    return None


def stripe_fee(amount: int) -> int:
    """Stripe's card processing fee: 2.9 % rounded half-up, plus 30 minor units."""
    return (amount * 29 + 500) // 1000 + 30


def client_secret(object_id: str) -> str:
    return f"{object_id}_secret_{new_id('', 25)}"


def payment_method(card: TestCard, now: int, *, customer: str | None = None) -> dict[str, Any]:
    return {
        "id": new_id("pm_"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": {
                "city": None,
                "country": None,
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": None,
            "name": None,
            "phone": None,
        },
        "card": {
            "brand": card.brand,
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": card.country,
            "display_brand": card.brand,
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": hashlib.sha256(f"{card.brand}{card.last4}".encode()).hexdigest()[:16],
            "funding": card.funding,
            "generated_from": None,
            "last4": card.last4,
            "networks": {"available": [card.brand], "preferred": None},
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": now,
        "customer": customer,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


def customer(object_id: str, now: int) -> dict[str, Any]:
    return {
        "id": object_id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "email": None,
        "invoice_prefix": object_id[4:12].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def card_details(pm: dict[str, Any]) -> dict[str, Any]:
    card = pm["card"]
    return {
        "card": {
            "amount_authorized": None,
            "brand": card["brand"],
            "checks": card["checks"],
            "country": card["country"],
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "fingerprint": card["fingerprint"],
            "funding": card["funding"],
            "last4": card["last4"],
            "network": card["brand"],
            "three_d_secure": None,
            "wallet": None,
        },
        "type": "card",
    }


def empty_list(url: str) -> dict[str, Any]:
    return {"object": "list", "data": [], "has_more": False, "total_count": 0, "url": url}


def deleted(object_id: str, kind: str) -> dict[str, Any]:
    return {"id": object_id, "object": kind, "deleted": True}
