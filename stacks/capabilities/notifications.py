"""Notifications: one topic fanned out to a queue per channel, each with its DLQ and consumer,
and the preferences API.

Each consumer answers partial batch failures; a message that keeps failing (provider outage,
template error, malformed body) moves to the channel's DLQ after ``max_receive_count``
receives, and the monitoring stack alarms on every DLQ's depth. A queue's visibility timeout
is six times its consumer's timeout (Lambda's advice; the topology checks it).
"""

from __future__ import annotations

from stacks.model import (
    Attr,
    Capability,
    Consumer,
    Function,
    FunctionTarget,
    Grant,
    Kind,
    Queue,
    Ref,
    Route,
    Subscription,
    Topic,
)

#: a batch of 10 with a provider at its 10 s timeout still fits
CONSUMER_TIMEOUT_S = 60
VISIBILITY_TIMEOUT_S = 6 * CONSUMER_TIMEOUT_S
#: receives before the DLQ: with the visibility timeout, about half an hour of retries
MAX_RECEIVE_COUNT = 5

NOTIFICATIONS = Capability(
    "notifications",
    topics=(Topic("notifications"),),
    queues=(
        Queue(
            "notifications-email",
            visibility_timeout_s=VISIBILITY_TIMEOUT_S,
            max_receive_count=MAX_RECEIVE_COUNT,
            consumer=Consumer("notify-email", batch_size=10),
        ),
        Queue(
            "notifications-sms",
            visibility_timeout_s=VISIBILITY_TIMEOUT_S,
            max_receive_count=MAX_RECEIVE_COUNT,
            consumer=Consumer("notify-sms", batch_size=10),
        ),
    ),
    subscriptions=(
        Subscription("notifications", "notifications-email", {"channel": ["email"]}),
        Subscription("notifications", "notifications-sms", {"channel": ["sms"]}),
    ),
    functions=(
        Function(
            "notify-email",
            handler="lambdas.consumers.notify_email.handler",
            description="notifications-email consumer: send each email (SendGrid or SES) at most once.",
            timeout_s=CONSUMER_TIMEOUT_S,
            environment={"SENDGRID_SECRET_ARN": Ref(Kind.SECRET, "sendgrid", Attr.ARN)},
            grants=(Grant(Kind.SECRET, "sendgrid", "read"), Grant("ses", "*", "send")),
            uses_postgres=True,
            service="notifications",
        ),
        Function(
            "notify-sms",
            handler="lambdas.consumers.notify_sms.handler",
            description="notifications-sms consumer: render and send each SMS (Twilio), at most once.",
            timeout_s=CONSUMER_TIMEOUT_S,
            environment={"TWILIO_SECRET_ARN": Ref(Kind.SECRET, "twilio", Attr.ARN)},
            grants=(Grant(Kind.SECRET, "twilio", "read"),),
            uses_postgres=True,
            service="notifications",
        ),
        Function(
            "api-notification-preferences",
            handler="lambdas.api.notification_preferences.handler",
            description="GET/PUT /me/notification-preferences: the caller's own preferences.",
            timeout_s=10,
            uses_postgres=True,
            service="notifications",
        ),
    ),
    routes=(
        Route("GET", "/me/notification-preferences", "user", FunctionTarget("api-notification-preferences")),
        Route("PUT", "/me/notification-preferences", "user", FunctionTarget("api-notification-preferences")),
    ),
)
