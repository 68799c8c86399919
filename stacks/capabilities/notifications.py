"""Notifications: one topic fanned out to a queue per channel, each with its DLQ and consumer."""

from __future__ import annotations

from stacks.model import Capability, Queue, Subscription, Topic

NOTIFICATIONS = Capability(
    "notifications",
    topics=(Topic("notifications"),),
    queues=(
        Queue("notifications-email", visibility_timeout_s=60, max_receive_count=5),
        Queue("notifications-sms", visibility_timeout_s=60, max_receive_count=5),
    ),
    subscriptions=(
        Subscription("notifications", "notifications-email", {"channel": ["email"]}),
        Subscription("notifications", "notifications-sms", {"channel": ["sms"]}),
    ),
)
