"""The notification pipeline in the local cloud: topic → queue → consumer → provider stand-in → outbox.

Every test publishes, then waits with ``cloud.poller.drain()``: it takes the poller's lock for
each round, so it never races the background poller and returns only when every mapped queue
is empty (under the virtual clock failed messages are retried at once, until the DLQ).
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from lambdas import wiring
from lambdas.wiring import core
from workflows.notifications import Notification
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from collections.abc import Iterator

    import psycopg

    from local.runtime import LocalCloud


@pytest.fixture
def publisher(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``core.wiring().notifications`` pointed at the local topic."""
    _, provisioned = cloud.started()
    monkeypatch.setenv("NOTIFICATIONS_TOPIC_ARN", provisioned.arns[("topic", "notifications")])
    wiring.reset()
    yield core.wiring().notifications
    wiring.reset()


@pytest.fixture
def drain(cloud: LocalCloud, pg_conn: psycopg.Connection[Any]) -> Iterator[Any]:
    """Deliver everything queued; again after the test, before its rows are truncated."""
    assert cloud.poller is not None
    cloud.poller.drain()
    yield cloud.poller.drain
    cloud.poller.drain()


def add_profile(
    conn: psycopg.Connection[Any],
    *,
    name: str | None = "Ada Lovelace",
    phone: str | None = None,
    verified: bool = False,
) -> dict[str, Any]:
    user_id = f"u-{uuid.uuid4().hex[:12]}"
    email = f"{user_id}@example.com"
    conn.execute(
        "INSERT INTO users (user_id, email, name, phone, phone_verified) VALUES (%s, %s, %s, %s, %s)",
        (user_id, email, name, phone, verified),
    )
    return {"user_id": user_id, "email": email, "phone": phone}


def a_phone() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


def order_paid(
    user_id: str, *, channels: tuple[str, ...] = ("email",), order_id: str | None = None
) -> Notification:
    order_id = order_id or f"R-{uuid.uuid4().hex[:6]}"
    return Notification(
        notification_id=derived_id("order-paid", order_id),
        type="orders.order_paid",
        category="orders",
        channels=channels,  # type: ignore[arg-type]
        user_id=user_id,
        data={"order_id": order_id, "total": "$24.99"},
    )


def delivery(conn: psycopg.Connection[Any], notification_id: str, channel: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT * FROM notification_deliveries WHERE notification_id = %s AND channel = %s",
        (notification_id, channel),
    ).fetchone()


def dead_letters(
    cloud: LocalCloud, queue: str, notification_id: str | None = None, body: str | None = None
) -> list[dict[str, Any]]:
    """Messages of ``queue`` that match (removed from it, so tests leave nothing behind)."""
    aws, provisioned = cloud.started()
    sqs, url = aws.client("sqs"), provisioned.queue_url(queue)
    found: list[dict[str, Any]] = []
    # earlier tests may have left dead letters (notifications to users their cleanup removed):
    # each receive hides what it saw, so the scan goes through all of them; what is not ours is
    # made visible again at the end
    others: list[str] = []
    for _ in range(100):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get(
            "Messages", []
        )
        if not messages:
            break
        for message in messages:
            mine = message["Body"] == body if body is not None else notification_id in message["Body"]
            if mine:
                found.append(message)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                others.append(message["ReceiptHandle"])
        if found:
            break
    for handle in others:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    return found


def send_raw(cloud: LocalCloud, queue: str, body: str, channel: str = "email") -> None:
    aws, provisioned = cloud.started()
    aws.client("sqs").send_message(
        QueueUrl=provisioned.queue_url(queue),
        MessageBody=body,
        MessageAttributes={"channel": {"DataType": "String", "StringValue": channel}},
    )


# --- email ----------------------------------------------------------------------------------


def test_given_a_published_notification_then_the_email_is_sent_rendered_and_logged(
    cloud: LocalCloud, pg_conn, publisher, drain
) -> None:
    # Given a user with a profile
    user = add_profile(pg_conn)
    notification = order_paid(user["user_id"], order_id="R-1042")
    # When the notification is published and the queues drained
    publisher.publish(notification)
    drain()
    # Then one email, rendered for that user, is in the outbox
    [mail] = cloud.outbox.list(to=user["email"])
    assert (mail.provider, mail.subject) == ("sendgrid", "Payment received for order R-1042")
    assert mail.body.startswith("Hi Ada Lovelace,") and "$24.99" in mail.body
    assert mail.html is not None and "<strong>R-1042</strong>" in mail.html and "Ada Lovelace" in mail.html
    assert mail.metadata["custom_args"] == {
        "notification_id": notification.notification_id,
        "type": "orders.order_paid",
    }
    # And the delivery log says sent, with SendGrid's message id
    row = delivery(pg_conn, notification.notification_id, "email")
    assert row is not None
    assert (row["status"], row["provider"], row["provider_message_id"], row["attempts"]) == (
        "sent", "sendgrid", mail.provider_message_id, 1,
    )  # fmt: skip
    assert (row["recipient"], row["type"], row["category"], row["user_id"]) == (
        user["email"], "orders.order_paid", "orders", user["user_id"],
    )  # fmt: skip


def test_given_the_same_sqs_message_delivered_twice_then_one_email_is_sent(
    cloud: LocalCloud, pg_conn, drain
) -> None:
    # Given the body the publisher puts on the topic for one notification
    user = add_profile(pg_conn)
    notification = order_paid(user["user_id"])
    body = json.dumps({**notification.model_dump(mode="json"), "channel": "email"})
    # When SQS delivers that message twice (two identical messages on the queue)
    send_raw(cloud, "notifications-email", body)
    send_raw(cloud, "notifications-email", body)
    drain()
    # Then one email was sent and the log shows one attempt
    assert len(cloud.outbox.list(to=user["email"])) == 1
    row = delivery(pg_conn, notification.notification_id, "email")
    assert row is not None and (row["status"], row["attempts"]) == ("sent", 1)


def test_given_a_sendgrid_outage_then_the_message_is_retried_and_ends_in_the_dlq(
    cloud: LocalCloud, pg_conn, publisher, drain
) -> None:
    assert cloud.sendgrid is not None
    user = add_profile(pg_conn)
    notification = order_paid(user["user_id"])
    # Given SendGrid is down
    cloud.sendgrid.set_outage(True)
    try:
        # When a notification is published and delivery is tried until the queue gives up
        publisher.publish(notification)
        drain()
    finally:
        cloud.sendgrid.set_outage(False)
    # Then nothing was sent
    assert cloud.outbox.list(to=user["email"]) == []
    # And the log says failed, once per receive of the queue (maxReceiveCount 5)
    row = delivery(pg_conn, notification.notification_id, "email")
    assert row is not None and row["status"] == "failed" and row["attempts"] == 5
    assert "503" in row["last_error"]
    # And the message is in the DLQ (where the depth alarm watches), not lost
    [dead] = dead_letters(cloud, "notifications-email-dlq", notification.notification_id)
    assert json.loads(dead["Body"])["notification_id"] == notification.notification_id


def test_given_a_transient_failure_then_the_retry_delivers_once(
    cloud: LocalCloud, pg_conn, publisher, drain
) -> None:
    assert cloud.sendgrid is not None
    user = add_profile(pg_conn)
    notification = order_paid(user["user_id"])
    # Given SendGrid fails the next two requests
    cloud.sendgrid.fail_next(2, status=429)
    publisher.publish(notification)
    drain()
    # Then the third receive sends it
    assert len(cloud.outbox.list(to=user["email"])) == 1
    row = delivery(pg_conn, notification.notification_id, "email")
    assert row is not None and (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)


def test_given_a_malformed_message_then_it_fails_alone_and_the_rest_of_the_batch_is_delivered(
    cloud: LocalCloud, pg_conn, drain
) -> None:
    user = add_profile(pg_conn)
    good = order_paid(user["user_id"])
    malformed = json.dumps({"hello": f"not a notification {uuid.uuid4().hex}"})
    # Given a batch with a malformed message between good ones
    send_raw(cloud, "notifications-email", malformed)
    send_raw(cloud, "notifications-email", json.dumps({**good.model_dump(mode="json"), "channel": "email"}))
    send_raw(cloud, "notifications-email", "{not json")
    drain()
    # Then the good one is delivered and the bad ones end in the DLQ
    assert len(cloud.outbox.list(to=user["email"])) == 1
    assert len(dead_letters(cloud, "notifications-email-dlq", body=malformed)) == 1
    assert len(dead_letters(cloud, "notifications-email-dlq", body="{not json")) == 1


def test_given_ses_as_the_email_provider_then_mail_goes_through_ses(
    cloud: LocalCloud, pg_conn, publisher, drain, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws, _ = cloud.started()
    user = add_profile(pg_conn, name="Grace Hopper")
    notification = order_paid(user["user_id"], order_id="R-SES")
    # Given the configuration chooses SES
    monkeypatch.setenv("EMAIL_PROVIDER", "ses")
    wiring.reset()
    try:
        publisher.publish(notification)
        drain()
    finally:
        monkeypatch.setenv("EMAIL_PROVIDER", "sendgrid")
        wiring.reset()
    # Then the mail was sent by SES (moto keeps its HTML part)
    cloud.outbox.sync_ses(aws.account_id, aws.region)
    [mail] = cloud.outbox.list(to=user["email"])
    assert (mail.provider, mail.subject) == ("ses", "Payment received for order R-SES")
    assert mail.html is not None and "Hi Grace Hopper," in mail.html
    row = delivery(pg_conn, notification.notification_id, "email")
    assert row is not None and (row["status"], row["provider"]) == ("sent", "ses")
    assert row["provider_message_id"] == mail.provider_message_id


def test_given_an_explicit_address_without_a_user_then_the_confirmation_code_is_mailed(
    cloud: LocalCloud, pg_conn, publisher, drain
) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    notification = Notification(
        notification_id=derived_id("confirmation-code", email, "1"),
        type="account.confirmation_code",
        category="account",
        email=email,
        name="Linus",
        data={"code": "482913", "expires_in_minutes": 10},
    )
    publisher.publish(notification)
    drain()
    [mail] = cloud.outbox.list(to=email)
    assert mail.subject == "Your Resale confirmation code: 482913" and "Hi Linus," in mail.body


# --- preferences ------------------------------------------------------------------------------


def test_given_orders_email_turned_off_then_no_order_email_but_account_email_still_goes_out(
    cloud: LocalCloud, pg_conn, publisher, drain
) -> None:
    user = add_profile(pg_conn)
    # Given the user turned off order emails
    pg_conn.execute(
        "INSERT INTO notification_preferences (user_id, category, channel, enabled) "
        "VALUES (%s, 'orders', 'email', false)",
        (user["user_id"],),
    )
    order = order_paid(user["user_id"])
    security = Notification(
        notification_id=derived_id("password-changed", user["user_id"], "1"),
        type="account.password_changed",
        category="account",
        user_id=user["user_id"],
        data={"changed_at": "23 November 2026, 21:37 UTC"},
    )
    # When both are published
    publisher.publish(order)
    publisher.publish(security)
    drain()
    # Then only the account email arrives, and the order email is logged as skipped
    assert [m.subject for m in cloud.outbox.list(to=user["email"])] == ["Your Resale password was changed"]
    skipped = delivery(pg_conn, order.notification_id, "email")
    assert skipped is not None and skipped["status"] == "skipped" and "orders" in skipped["last_error"]


# --- SMS --------------------------------------------------------------------------------------


def test_given_a_verified_phone_then_the_sms_goes_through_twilio(
    cloud: LocalCloud, pg_conn, publisher, drain
) -> None:
    user = add_profile(pg_conn, phone=a_phone(), verified=True)
    notification = order_paid(user["user_id"], channels=("email", "sms"), order_id="R-77")
    publisher.publish(notification)
    drain()
    [sms] = cloud.outbox.list(to=user["phone"], channel="sms")
    assert sms.provider == "twilio" and sms.body == (
        "Resale: payment of $24.99 received for order R-77. We will tell you when it ships."
    )
    assert len(cloud.outbox.list(to=user["email"])) == 1  # and the email went to its own queue
    row = delivery(pg_conn, notification.notification_id, "sms")
    assert row is not None and (row["status"], row["provider"], row["recipient"]) == (
        "sent",
        "twilio",
        user["phone"],
    )
    assert row["provider_message_id"] == sms.provider_message_id


def test_given_an_unverified_phone_then_no_sms_and_the_skip_is_logged(
    cloud: LocalCloud, pg_conn, publisher, drain
) -> None:
    user = add_profile(pg_conn, phone=a_phone(), verified=False)
    notification = order_paid(user["user_id"], channels=("sms",))
    publisher.publish(notification)
    drain()
    assert cloud.outbox.list(to=user["phone"]) == []
    row = delivery(pg_conn, notification.notification_id, "sms")
    assert row is not None and (row["status"], row["last_error"]) == ("skipped", "no verified phone number")


def test_given_twilio_rejects_the_number_then_it_is_logged_failed_and_not_retried(
    cloud: LocalCloud, pg_conn, drain
) -> None:
    # Given a notification with a number Twilio refuses (error 21211), sent explicitly
    notification = Notification(
        notification_id=derived_id("bad-number", uuid.uuid4().hex),
        type="account.confirmation_code",
        category="account",
        channels=("sms",),
        phone="12345",
        data={"code": "111111", "expires_in_minutes": 5},
    )
    send_raw(
        cloud,
        "notifications-sms",
        json.dumps({**notification.model_dump(mode="json"), "channel": "sms"}),
        "sms",
    )
    drain()
    # Then it was tried once, logged as a rejection, and not dead-lettered
    row = delivery(pg_conn, notification.notification_id, "sms")
    assert row is not None and (row["status"], row["attempts"]) == ("failed", 1)
    assert row["last_error"].startswith("rejected: ") and "21211" in row["last_error"]
    assert dead_letters(cloud, "notifications-sms-dlq", notification.notification_id) == []
