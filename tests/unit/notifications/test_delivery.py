"""The delivery service with fakes: recipients, preferences, at most once, failures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fakes.notifications import make_fakes
from workflows.notifications import Notification, deliver
from workflows.notifications.errors import (
    ProviderUnavailable,
    RecipientRejected,
    RecipientUnknown,
    TemplateError,
)
from workflows.notifications.ports import RecipientProfile

ALICE = RecipientProfile("u-alice", "alice@example.com", "Alice", "+447700900123", phone_verified=True)
BOB = RecipientProfile("u-bob", "bob@example.com", None, "+447700900456", phone_verified=False)


def paid(user_id: str = "u-alice", **overrides: object) -> Notification:
    fields: dict[str, object] = {
        "notification_id": "n-paid-1",
        "type": "orders.order_paid",
        "category": "orders",
        "channels": ("email", "sms"),
        "user_id": user_id,
        "data": {"order_id": "R-1", "total": "$5.00"},
    }
    return Notification.model_validate({**fields, **overrides})


def code(**overrides: object) -> Notification:
    fields: dict[str, object] = {
        "notification_id": "n-code-1",
        "type": "account.confirmation_code",
        "category": "account",
        "email": "new@example.com",
        "data": {"code": "123456", "expires_in_minutes": 10},
    }
    return Notification.model_validate({**fields, **overrides})


def test_given_a_user_when_an_email_is_delivered_then_it_is_rendered_for_them_and_logged_sent() -> None:
    fakes = make_fakes(ALICE)
    result = deliver(paid(), "email", fakes.ports())
    assert (result.outcome, result.provider, result.provider_message_id) == ("sent", "mail", "mail-1")
    [message] = fakes.email.sent
    assert (message.to, message.to_name, message.subject) == (
        "alice@example.com",
        "Alice",
        "Payment received for order R-1",
    )
    assert "Hi Alice," in message.text and "$5.00" in message.text
    assert message.html is not None and "<strong>R-1</strong>" in message.html
    row = fakes.log.find("n-paid-1", "email")
    assert row is not None
    assert (row.status, row.provider_message_id, row.attempts, row.recipient) == (
        "sent",
        "mail-1",
        1,
        "alice@example.com",
    )


def test_given_the_same_notification_twice_then_it_is_sent_once() -> None:
    fakes = make_fakes(ALICE)
    first = deliver(paid(), "email", fakes.ports())
    second = deliver(paid(), "email", fakes.ports())
    assert (first.outcome, second.outcome) == ("sent", "duplicate")
    assert len(fakes.email.sent) == 1


def test_given_a_delivery_in_flight_then_a_duplicate_waits_until_the_claim_is_stale() -> None:
    fakes = make_fakes(ALICE)
    fakes.log.claim(
        paid(), "email", recipient="x", provider="mail", status="sending", reason=None,
        now=fakes.clock.now(), stale_before=fakes.clock.now(),
    )  # fmt: skip
    # When a duplicate arrives while the first sender may still be working
    assert deliver(paid(), "email", fakes.ports()).outcome == "duplicate"
    # Then after the stale window (the first sender died) the retry takes over
    fakes.clock.advance(minutes=3)
    assert deliver(paid(), "email", fakes.ports(claim_stale_after=timedelta(minutes=2))).outcome == "sent"
    assert fakes.log.find("n-paid-1", "email").attempts == 2  # type: ignore[union-attr]


def test_given_a_provider_outage_then_the_row_is_failed_the_error_raised_and_a_retry_sends() -> None:
    fakes = make_fakes(ALICE)
    fakes.email.fail_with = ProviderUnavailable("503")
    with pytest.raises(ProviderUnavailable):
        deliver(paid(), "email", fakes.ports())
    row = fakes.log.find("n-paid-1", "email")
    assert row is not None and row.status == "failed" and "503" in (row.last_error or "")
    # When the provider is back and SQS redelivers
    fakes.email.fail_with = None
    assert deliver(paid(), "email", fakes.ports()).outcome == "sent"
    assert fakes.log.find("n-paid-1", "email").attempts == 2  # type: ignore[union-attr]


def test_given_a_permanent_rejection_then_it_is_logged_failed_and_not_raised() -> None:
    fakes = make_fakes(ALICE)
    fakes.email.fail_with = RecipientRejected("invalid address")
    result = deliver(paid(), "email", fakes.ports())
    assert result.outcome == "rejected"
    row = fakes.log.find("n-paid-1", "email")
    assert row is not None and row.status == "failed" and row.last_error == "rejected: invalid address"


def test_given_the_log_fails_after_sending_then_the_message_is_not_sent_again() -> None:
    fakes = make_fakes(ALICE)
    fakes.log.fail_writes = True
    result = deliver(paid(), "email", fakes.ports())
    assert (result.outcome, result.recorded) == ("sent", False)
    # the row still says "sending": a redelivery before the stale window does nothing
    assert deliver(paid(), "email", fakes.ports()).outcome == "duplicate"
    assert len(fakes.email.sent) == 1


def test_given_orders_turned_off_then_order_mail_is_skipped_but_account_mail_goes_out() -> None:
    fakes = make_fakes(ALICE)
    fakes.preferences.choices["u-alice"] = {("orders", "email"): False, ("account", "email"): False}
    assert deliver(paid(), "email", fakes.ports()).outcome == "skipped"
    security = code(user_id="u-alice", email=None, notification_id="n-code-2")
    assert deliver(security, "email", fakes.ports()).outcome == "sent"
    assert [m.type for m in fakes.email.sent] == ["account.confirmation_code"]
    skipped = fakes.log.find("n-paid-1", "email")
    assert skipped is not None and skipped.status == "skipped" and "orders" in (skipped.last_error or "")


def test_given_default_preferences_then_marketing_is_off_and_sms_only_carries_orders() -> None:
    fakes = make_fakes(ALICE)
    promo = paid(notification_id="n-promo", type="orders.order_paid", category="marketing")
    assert deliver(promo, "email", fakes.ports()).outcome == "skipped"
    chat = paid(notification_id="n-chat", category="messages")
    assert deliver(chat, "sms", fakes.ports()).outcome == "skipped"
    assert deliver(paid(), "sms", fakes.ports()).outcome == "sent"
    assert [m.to for m in fakes.sms.sent] == ["+447700900123"]


def test_given_an_unverified_phone_then_no_sms_and_the_skip_is_logged() -> None:
    fakes = make_fakes(BOB)
    result = deliver(paid("u-bob"), "sms", fakes.ports())
    assert (result.outcome, result.reason) == ("skipped", "no verified phone number")
    assert fakes.sms.sent == []
    assert fakes.log.find("n-paid-1", "sms").status == "skipped"  # type: ignore[union-attr]


def test_given_an_explicit_address_and_no_user_then_it_is_used_with_a_neutral_greeting() -> None:
    fakes = make_fakes()
    assert deliver(code(), "email", fakes.ports()).outcome == "sent"
    [message] = fakes.email.sent
    assert (
        message.to == "new@example.com" and message.text.startswith("Hi there,") and message.to_name is None
    )


def test_given_a_user_without_a_profile_then_it_is_retried_not_dropped() -> None:
    fakes = make_fakes()
    with pytest.raises(RecipientUnknown):
        deliver(paid("u-ghost"), "email", fakes.ports())
    assert fakes.log.rows == {}


def test_given_data_missing_a_placeholder_then_nothing_is_sent_or_claimed() -> None:
    fakes = make_fakes(ALICE)
    with pytest.raises(TemplateError, match="total"):
        deliver(paid(data={"order_id": "R-1"}), "email", fakes.ports())
    assert fakes.email.sent == [] and fakes.log.rows == {}


def test_given_a_type_without_templates_then_a_template_error() -> None:
    fakes = make_fakes(ALICE)
    with pytest.raises(TemplateError, match="no template file"):
        deliver(paid(type="orders.no_such_thing"), "email", fakes.ports())
