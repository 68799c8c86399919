"""SNS: notifications onto the fan-out topic, one message per channel, in one batch."""

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
        """One PublishBatch for every channel of ``notification`` (one call instead of one per
        channel; a batch takes ten entries, and there are two channels). An entry that failed fails
        the whole publish: the caller's retry publishes every channel again, and the consumers'
        delivery log sends each (notification, channel) at most once."""
        body = notification.model_dump(mode="json")
        entries = [
            {
                "Id": channel,
                "Message": json.dumps({**body, "channel": channel}),
                "MessageAttributes": {
                    "channel": {"DataType": "String", "StringValue": channel},
                    "category": {"DataType": "String", "StringValue": notification.category},
                    "type": {"DataType": "String", "StringValue": notification.type},
                },
            }
            for channel in dict.fromkeys(notification.channels)  # an entry id is its channel
        ]
        if not entries:
            return
        try:
            response = self._client.publish_batch(
                TopicArn=self._topic_arn, PublishBatchRequestEntries=entries
            )
        except (ClientError, ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"notification {notification.notification_id} not published: {exc}") from exc
        failed = response.get("Failed") or []
        if failed:
            raise TransientError(
                f"notification {notification.notification_id} not published on "
                f"{', '.join(str(f.get('Id')) for f in failed)}: {failed[0].get('Message')}"
            )
