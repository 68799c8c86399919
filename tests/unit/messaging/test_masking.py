"""Masking contact details before an order: what is hidden, and what is left alone."""

from __future__ import annotations

import pytest

from workflows.messaging.masking import mask


@pytest.mark.parametrize(
    ("text", "kind", "hidden"),
    [
        ("mail me: ada@example.com", "email", "ada@example.com"),
        ("ada (at) example (dot) com", "email", "example"),
        ("ada at example dot co dot uk", "email", "example"),
        ("call +1 (415) 555-0100", "phone", "555-0100"),
        ("text 07700 900123 today", "phone", "900123"),
        ("pay me on paypal.me/ada", "payment_link", "paypal.me"),
        ("https://venmo.com/u/ada-l works", "payment_link", "venmo.com"),
        ("cash app $AdaL99 please", "payment_link", "$AdaL99"),
        ("revolut.me/adal", "payment_link", "revolut.me"),
    ],
)
def test_given_contact_details_then_they_are_masked_by_kind(text: str, kind: str, hidden: str) -> None:
    masked = mask(text)
    assert kind in masked.kinds
    assert hidden not in masked.text
    assert masked.changed


@pytest.mark.parametrize(
    "text",
    [
        "Is it still available? I can pick it up on Friday at 5.",
        "I am at home. See you then",
        "Size 10.5, 2 pairs, 35 dollars each, model 2024",
        "Order 123456 arrived, thanks!",
        "Frame is 54 cm; tyres 700x28c",
    ],
)
def test_given_ordinary_text_then_nothing_is_masked(text: str) -> None:
    masked = mask(text)
    assert masked.text == text and masked.kinds == ()
