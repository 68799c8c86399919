"""Alarms into one SNS topic: dead letters, failed, timed-out or aborted executions, function
errors, and the daily reconciliation's differences."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.constructs.functions import METRICS_NAMESPACE
from stacks.naming import construct_id

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sqs as sqs
    from aws_cdk import aws_stepfunctions as sfn

PERIOD = Duration.minutes(5)
#: what ``lambdas/jobs/reconcile.py`` counts, once a day (its schedule): any difference alarms
RECONCILIATION_METRIC = "ReconciliationDifferences"
RECONCILIATION_PERIOD = Duration.days(1)


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
        reconciliation_service: str | None = None,
        failures_caught_by_caller: frozenset[str] = frozenset(),
    ) -> None:
        """``reconciliation_service``: the Powertools service of the reconcile function (the
        metric's ``service`` dimension); None when the stage has no reconciliation.
        ``failures_caught_by_caller``: the machines that fail on purpose for their caller to judge
        (no failed-executions alarm: the caller's fires)."""
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
        # a real failure only: a client's mistake or a business outcome (a rejected quote, a
        # cancelled checkout, a rejected seller) ends its execution SUCCEEDED (README, "Outcomes")
        for name, machine in state_machines.items():
            if name not in failures_caught_by_caller:
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
            alarm(
                f"{name}-executions-aborted",
                machine.metric_aborted(period=PERIOD, statistic="Sum"),
                f"Executions of the {name} state machine were stopped before they ended.",
            )
        for name, function in functions.items():
            alarm(
                f"{name}-errors",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                f"The {name} function raised unhandled errors.",
            )
        if reconciliation_service is not None:
            alarm(
                "reconciliation-differences",
                cloudwatch.Metric(
                    namespace=METRICS_NAMESPACE,  # the functions' POWERTOOLS_METRICS_NAMESPACE
                    metric_name=RECONCILIATION_METRIC,
                    dimensions_map={"service": reconciliation_service},
                    period=RECONCILIATION_PERIOD,
                    statistic="Sum",
                ),
                "The daily reconciliation found differences between the ledger and Stripe: read the "
                "report the payouts-reconcile function logged (or run `make reconcile`) and correct them.",
            )
