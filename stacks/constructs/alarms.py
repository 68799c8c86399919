"""Alarms into one SNS topic: dead letters, failed or timed-out executions, function errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.naming import construct_id

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sqs as sqs
    from aws_cdk import aws_stepfunctions as sfn

PERIOD = Duration.minutes(5)


class Alarms(Construct):
    """One alarm per signal that needs a human; all notify ``topic`` (and the stage's e-mail)."""

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        prefix: str,
        alarm_email: str | None,
        dead_letter_queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
        functions: Mapping[str, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id_)
        self.topic = sns.Topic(self, "Topic", topic_name=f"{prefix}-alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        action = actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(name: str, metric: cloudwatch.IMetric, description: str) -> None:
            created = cloudwatch.Alarm(
                self,
                construct_id(name),
                metric=metric,
                alarm_name=f"{prefix}-{name}",
                alarm_description=description,
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(action)
            created.add_ok_action(action)
            self.alarms.append(created)

        for name, queue in dead_letter_queues.items():
            alarm(
                f"{name}-messages",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                f"Messages are waiting in the dead-letter queue {name}: inspect, fix, redrive.",
            )
        for name, machine in state_machines.items():
            alarm(
                f"{name}-executions-failed",
                machine.metric_failed(period=PERIOD, statistic="Sum"),
                f"Executions of the {name} state machine failed.",
            )
            alarm(
                f"{name}-executions-timed-out",
                machine.metric_timed_out(period=PERIOD, statistic="Sum"),
                f"Executions of the {name} state machine timed out.",
            )
        for name, function in functions.items():
            alarm(
                f"{name}-errors",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                f"The {name} function raised unhandled errors.",
            )
