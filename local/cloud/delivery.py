"""SQS → Lambda event-source mappings, which moto does not run: the local runtime polls.

Semantics follow Lambda's: messages arrive in batches of up to ``batch_size`` as an SQS event;
the function answers ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}``; the
messages that succeeded are deleted, the failed ones become visible again and, after the
queue's ``maxReceiveCount`` receives, SQS moves them to the dead-letter queue. A function that
raises fails the whole batch. Under a virtual clock a failed message is made visible again at
once instead of after the visibility timeout, so retries and redrive happen without waiting.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.cloud.aws import LocalAws
    from local.cloud.provision import Provisioned
    from stacks.topology import Topology

log = logging.getLogger("resale.local.delivery")


@dataclass(frozen=True)
class Mapping:
    queue_name: str
    queue_url: str
    queue_arn: str
    function: str
    batch_size: int


@dataclass
class DeliveryStats:
    batches: int = 0
    delivered: int = 0
    failed: int = 0


class SqsPoller:
    """Polls every queue that has a consumer and invokes the consumer's handler in-process."""

    def __init__(
        self, aws: LocalAws, topology: Topology, provisioned: Provisioned, *, fast_retry: bool
    ) -> None:
        self._aws = aws
        self._fast_retry = fast_retry
        self._mappings = [
            Mapping(
                queue_name=queue.name,
                queue_url=provisioned.queue_url(queue.name),
                queue_arn=provisioned.arns[("queue", queue.name)],
                function=provisioned.names[("function", queue.consumer.function)],
                batch_size=queue.consumer.batch_size,
            )
            for queue in topology.queues
            if queue.consumer is not None
        ]
        self.stats = DeliveryStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def mappings(self) -> list[Mapping]:
        return list(self._mappings)

    def start(self, interval_s: float = 0.05) -> None:
        if not self._mappings or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(interval_s,), name="sqs-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self, interval_s: float) -> None:
        while not self._stop.is_set():
            try:
                moved = self.poll_once()
            except Exception:  # the poller must survive anything a handler or moto does
                log.exception("SQS polling failed")
                moved = 0
            if not moved:
                self._stop.wait(interval_s)

    def poll_once(self) -> int:
        """One receive on each mapped queue; returns how many messages were handled."""
        handled = 0
        with self._lock:
            for mapping in self._mappings:
                handled += self._poll(mapping)
        return handled

    def drain(self, *, max_rounds: int = 1000) -> int:
        """Deliver until every mapped queue is empty (for tests); returns messages handled."""
        total = 0
        for _ in range(max_rounds):
            handled = self.poll_once()
            total += handled
            if handled == 0:
                return total
        raise RuntimeError("queues did not drain; a consumer keeps failing or producing")

    def _poll(self, mapping: Mapping) -> int:
        sqs = self._aws.client("sqs")
        response = sqs.receive_message(
            QueueUrl=mapping.queue_url,
            MaxNumberOfMessages=min(mapping.batch_size, 10),
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._record(mapping, m) for m in messages]}
        result = self._aws.functions.invoke(mapping.function, event)
        failed_ids: set[str]
        if result.error_type is not None:
            failed_ids = {m["MessageId"] for m in messages}
            log.warning(
                "%s failed its batch: %s: %s", mapping.function, result.error_type, result.error_message
            )
        else:
            payload = result.payload if isinstance(result.payload, dict) else {}
            failed_ids = {str(f["itemIdentifier"]) for f in payload.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed_ids]
        if done:
            sqs.delete_message_batch(
                QueueUrl=mapping.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        if self._fast_retry:
            for message in messages:
                if message["MessageId"] in failed_ids:
                    sqs.change_message_visibility(
                        QueueUrl=mapping.queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
        self.stats.batches += 1
        self.stats.delivered += len(done)
        self.stats.failed += len(failed_ids)
        return len(messages)

    def _record(self, mapping: Mapping, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message.get("Attributes", {})
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
                "SenderId": attributes.get("SenderId", "local"),
                "ApproximateFirstReceiveTimestamp": attributes.get(
                    "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
                ),
            },
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value["DataType"],
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": mapping.queue_arn,
            "awsRegion": self._aws.region,
        }


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
