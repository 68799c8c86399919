"""Messaging: SNS topics, SQS queues with dead-letter queues, raw-delivery subscriptions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration, Tags
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.naming import LOGICAL_NAME_TAG, construct_id, physical_name

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from stacks.topology import Queue, Subscription, Topic

#: how long a dead letter waits for someone to look at it
DLQ_RETENTION = Duration.days(14)


class Messaging(Construct):
    """Every topology topic and queue (with its ``<name>-dlq``), and the subscriptions."""

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        prefix: str,
        topics: Sequence[Topic],
        queues: Sequence[Queue],
        subscriptions_: Sequence[Subscription],
    ) -> None:
        super().__init__(scope, construct_id_)
        sns_key = kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns")
        self._topics: dict[str, sns.Topic] = {}
        for topic in topics:
            built = sns.Topic(
                self,
                construct_id(topic.name),
                topic_name=physical_name(prefix, topic.name, 256),
                master_key=sns_key,
                enforce_ssl=True,
            )
            Tags.of(built).add(LOGICAL_NAME_TAG, topic.name)
            self._topics[topic.name] = built

        self._queues: dict[str, sqs.Queue] = {}
        self._dlqs: dict[str, sqs.Queue] = {}
        for queue in queues:
            dlq = sqs.Queue(
                self,
                construct_id(queue.dlq_name),
                queue_name=physical_name(prefix, queue.dlq_name, 80),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=DLQ_RETENTION,
            )
            main = sqs.Queue(
                self,
                construct_id(queue.name),
                queue_name=physical_name(prefix, queue.name, 80),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                visibility_timeout=Duration.seconds(queue.visibility_timeout_s),
                retention_period=Duration.days(queue.retention_days),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=queue.max_receive_count),
            )
            Tags.of(dlq).add(LOGICAL_NAME_TAG, queue.dlq_name)
            Tags.of(main).add(LOGICAL_NAME_TAG, queue.name)
            self._queues[queue.name] = main
            self._dlqs[queue.dlq_name] = dlq

        for sub in subscriptions_:
            policy = (
                {
                    attribute: sns.SubscriptionFilter(conditions=list(values))
                    for attribute, values in sub.filter_policy.items()
                }
                if sub.filter_policy
                else None
            )
            self._topics[sub.topic].add_subscription(
                subscriptions.SqsSubscription(
                    self._queues[sub.queue],
                    raw_message_delivery=True,
                    filter_policy=policy,
                )
            )

    @property
    def topics(self) -> Mapping[str, sns.ITopic]:
        return dict(self._topics)

    @property
    def queues(self) -> Mapping[str, sqs.IQueue]:
        """Main queues and dead-letter queues, by logical name (``notifications-email-dlq``)."""
        return {**self._queues, **self._dlqs}

    @property
    def dead_letter_queues(self) -> Mapping[str, sqs.IQueue]:
        return dict(self._dlqs)
