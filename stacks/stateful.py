"""The stateful stack: data that outlives deployments (tables, images, users, databases, secrets)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import RemovalPolicy, Stack

from stacks.constructs.data_tables import DataTables
from stacks.constructs.database import AuroraDatabase, DatabaseAccess, ExistingDatabase
from stacks.constructs.identity import Identity
from stacks.constructs.log_retention import retention
from stacks.constructs.secrets import Secrets
from stacks.constructs.storage import ImagesBucket

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_secretsmanager as secretsmanager
    from constructs import Construct

    from stacks.config import StageConfig
    from stacks.topology import Topology

_REMOVAL_POLICIES = {
    "destroy": RemovalPolicy.DESTROY,
    "retain": RemovalPolicy.RETAIN,
    "snapshot": RemovalPolicy.SNAPSHOT,
}


def removal_policy(config: StageConfig, *, snapshot_capable: bool = False) -> RemovalPolicy:
    """The stage's removal policy; ``snapshot`` means retain for resources that can't snapshot."""
    policy = _REMOVAL_POLICIES[config.removal_policy]
    if policy == RemovalPolicy.SNAPSHOT and not snapshot_capable:
        return RemovalPolicy.RETAIN
    return policy


class StatefulStack(Stack):
    """Tables, the images bucket, the user pool, PostgreSQL and the secrets.

    The typed properties are what the stateless stack consumes; CDK turns them into
    cross-stack references.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        topology: Topology,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        protect = config.removal_policy != "destroy"
        policy = removal_policy(config)

        self._tables = DataTables(
            self,
            "Tables",
            tables=topology.tables,
            removal_policy=policy,
            deletion_protection=protect,
        )
        self._images = ImagesBucket(
            self,
            "Images",
            allowed_origins=config.cors_allowed_origins,
            upload_prefix=config.unconfirmed_upload_prefix,
            upload_expiry_days=config.unconfirmed_upload_expiry_days,
            removal_policy=policy,
        )
        self._identity = Identity(
            self,
            "Identity",
            user_pool_name=f"{config.prefix}-users",
            removal_policy=policy,
            deletion_protection=protect,
        )
        if config.existing_database_secret_arn is None:
            aurora = AuroraDatabase(
                self,
                "Database",
                cluster_identifier=f"{config.prefix}-postgres",
                database_name=config.database_name,
                min_acu=config.aurora_min_acu,
                max_acu=config.aurora_max_acu,
                reader=config.aurora_reader,
                nat_gateways=config.nat_gateways,
                log_retention=retention(config.log_retention_days),
                removal_policy=removal_policy(config, snapshot_capable=True),
                deletion_protection=protect,
            )
            self._database = aurora.access
        else:
            existing = ExistingDatabase(
                self,
                "Database",
                secret_arn=config.existing_database_secret_arn,
                database_name=config.database_name,
            )
            self._database = existing.access
        self._secrets = Secrets(
            self,
            "Secrets",
            stage=config.stage,
            mongodb_uri_secret_name=config.mongodb_uri_secret_name,
            removal_policy=policy,
        )

    @property
    def tables(self) -> Mapping[str, dynamodb.ITable]:
        return self._tables.tables

    @property
    def images_bucket(self) -> s3.IBucket:
        return self._images.bucket

    @property
    def user_pool(self) -> cognito.IUserPool:
        return self._identity.user_pool

    @property
    def user_pool_client(self) -> cognito.IUserPoolClient:
        return self._identity.client

    @property
    def database(self) -> DatabaseAccess:
        return self._database

    @property
    def secrets(self) -> Mapping[str, secretsmanager.ISecret]:
        """Provider and MongoDB secrets, plus ``database`` (the PostgreSQL credentials)."""
        return {**self._secrets.secrets, "database": self._database.secret}
