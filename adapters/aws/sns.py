"""SNS: notifications onto the fan-out topic, one message per channel."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from workflows.notifications.model import Notification


class SnsNotificationPublisher:
    """Implements ``workflows.notifications.model.NotificationPublisher``."""

    def __init__(self, client: BaseClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, notification: Notification) -> None:
        body = notification.model_dump(mode="json")
        for channel in notification.channels:
            try:
                self._client.publish(
                    TopicArn=self._topic_arn,
                    Message=json.dumps({**body, "channel": channel}),
                    MessageAttributes={
                        "channel": {"DataType": "String", "StringValue": channel},
                        "category": {"DataType": "String", "StringValue": notification.category},
                        "type": {"DataType": "String", "StringValue": notification.type},
                    },
                )
            except (ClientError, ConnectionError, ReadTimeoutError) as exc:
                raise TransientError(
                    f"notification {notification.notification_id} not published: {exc}"
                ) from exc
