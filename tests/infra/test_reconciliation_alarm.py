"""The monitoring stack alarms on any reconciliation difference: the metric the reconcile job
emits (its namespace, name and service dimension), summed over the job's daily period, > 0,
notifying the alarm topic every other alarm uses."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from lambdas.jobs.reconcile import DIFFERENCES_METRIC
from stacks.constructs.functions import METRICS_NAMESPACE
from stacks.topology import TOPOLOGY
from tests.infra.synth import synthesize

ONE_DAY_S = 24 * 3600


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return synthesize(tmp_path_factory.mktemp("cdk.out"), stage="dev", alarm_email="ops@example.com")


def test_given_the_dev_stage_then_reconciliation_differences_alarm_on_the_shared_topic(synth) -> None:
    template = synth.monitoring
    [topic_id] = template.find_resources(
        "AWS::SNS::Topic", {"Properties": {"TopicName": "resale-dev-alarms"}}
    )
    reconcile = TOPOLOGY.function("payouts-reconcile")
    # Then one alarm watches the job's metric over its daily period, as the job emits it
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "resale-dev-reconciliation-differences",
            "Namespace": METRICS_NAMESPACE,
            "MetricName": DIFFERENCES_METRIC,
            "Dimensions": [{"Name": "service", "Value": reconcile.service}],
            "Statistic": "Sum",
            "Period": ONE_DAY_S,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "AlarmActions": [{"Ref": topic_id}],
            "OKActions": [{"Ref": topic_id}],
        },
    )
    # And the job runs on the same daily period the alarm sums over
    [rule] = [r for r in TOPOLOGY.rules if r.name == "payouts-reconcile"]
    assert rule.schedule == "rate(1 day)"
    # And it is the same topic the DLQ alarms notify
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"AlarmName": Match.string_like_regexp(r"-messages$"), "AlarmActions": [{"Ref": topic_id}]},
    )
