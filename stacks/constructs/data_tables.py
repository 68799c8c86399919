"""DynamoDB tables declared in the topology: on-demand, point-in-time recovery, TTL, GSIs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import RemovalPolicy, Tags
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from stacks.naming import LOGICAL_NAME_TAG, construct_id

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from stacks.topology import Key, Table

_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


class DataTables(Construct):
    """Every topology table, by logical name."""

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        tables: Sequence[Table],
        removal_policy: RemovalPolicy,
        deletion_protection: bool,
    ) -> None:
        super().__init__(scope, construct_id_)
        built: dict[str, dynamodb.Table] = {}
        for spec in tables:
            table = dynamodb.Table(
                self,
                construct_id(spec.name),
                partition_key=_attribute(spec.partition_key),
                sort_key=_attribute(spec.sort_key) if spec.sort_key else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                encryption=dynamodb.TableEncryption.AWS_MANAGED,
                time_to_live_attribute=spec.ttl_attribute,
                deletion_protection=deletion_protection,
                removal_policy=removal_policy,
            )
            for index in spec.indexes:
                table.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attribute(index.partition_key),
                    sort_key=_attribute(index.sort_key) if index.sort_key else None,
                    projection_type=dynamodb.ProjectionType.ALL,
                )
            Tags.of(table).add(LOGICAL_NAME_TAG, spec.name)
            built[spec.name] = table
        self._tables = built

    @property
    def tables(self) -> Mapping[str, dynamodb.ITable]:
        return dict(self._tables)
