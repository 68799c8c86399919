"""Shared by the notification consumers: one SQS record → one notification delivered on one channel.

A record whose body is not a notification for the queue's channel is logged (without its
content: it may hold codes and addresses) and reported as a batch item failure, so it ends in
the DLQ after the queue's receives; the other records of the batch are delivered regardless.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from pydantic import ValidationError

from lambdas.observability import logger, metrics
from lambdas.wiring import notifications
from workflows.notifications import NotificationMessage, deliver
from workflows.notifications.errors import MalformedNotification

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.notifications import Channel, DeliveryResult


def _parse(record: SQSRecord, channel: Channel) -> NotificationMessage:
    try:
        message = NotificationMessage.model_validate_json(record.body)
    except ValidationError as error:
        problems = error.errors(include_url=False, include_input=False, include_context=False)
        logger.error(
            "malformed notification message",
            extra={"sqs_message_id": record.message_id, "problems": problems},
        )
        metrics.add_metric(name="NotificationMalformed", unit=MetricUnit.Count, value=1)
        raise MalformedNotification(f"SQS message {record.message_id} is not a notification") from error
    if message.channel != channel:
        logger.error(
            "notification for another channel",
            extra={"sqs_message_id": record.message_id, "channel": message.channel, "queue_channel": channel},
        )
        metrics.add_metric(name="NotificationMalformed", unit=MetricUnit.Count, value=1)
        raise MalformedNotification(
            f"SQS message {record.message_id} is for {message.channel}, not {channel}"
        )
    return message


def deliver_record(record: SQSRecord, channel: Channel) -> dict[str, Any]:
    message = _parse(record, channel)
    logger.append_keys(
        notification_id=message.notification_id,
        notification_type=message.type,
        user_id=message.user_id,
        sqs_message_id=record.message_id,
    )
    try:
        result: DeliveryResult = deliver(message, channel, notifications.wiring().ports(channel))
    except Exception:
        logger.exception("notification not delivered; the message will be retried")
        metrics.add_metric(name="NotificationFailed", unit=MetricUnit.Count, value=1)
        raise
    if result.outcome == "rejected":
        logger.error("the provider rejected the recipient for good", extra={"reason": result.reason})
    elif not result.recorded:
        logger.error("sent, but the delivery log could not be updated", extra={"provider": result.provider})
    else:
        logger.info("notification handled", extra={"outcome": result.outcome, "reason": result.reason})
    metrics.add_metric(name=f"Notification{result.outcome.capitalize()}", unit=MetricUnit.Count, value=1)
    return result.model_dump(mode="json")


def handle_batch(event: dict[str, Any], context: LambdaContext, channel: Channel) -> dict[str, Any]:
    """Deliver every record; answer the records that failed (Lambda's partial batch response)."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event,
        record_handler=partial(deliver_record, channel=channel),
        processor=processor,
        context=context,
    )
    return response
