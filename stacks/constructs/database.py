"""PostgreSQL: Aurora Serverless v2 behind RDS Proxy, or an existing self-managed server."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

POSTGRES_PORT = 5432
ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_13


@dataclass(frozen=True)
class DatabaseAccess:
    """What a function that uses PostgreSQL needs: where to connect and with which secret.

    ``vpc`` is ``None`` for an existing server reached without a VPC; then ``host`` is ``None``
    too and the connection details come from the secret alone.
    """

    secret: secretsmanager.ISecret
    name: str
    host: str | None = None
    port: int = POSTGRES_PORT
    vpc: ec2.IVpc | None = None
    subnets: ec2.SubnetSelection | None = None
    security_group: ec2.ISecurityGroup | None = None


class AuroraDatabase(Construct):
    """A VPC (public, private-with-egress for functions, isolated for data), an Aurora
    Serverless v2 PostgreSQL cluster with generated credentials, and an RDS Proxy."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_identifier: str,
        database_name: str,
        min_acu: float,
        max_acu: float,
        reader: bool,
        nat_gateways: int,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        deletion_protection: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(
                    name="functions", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22
                ),
                ec2.SubnetConfiguration(
                    name="data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                ),
            ],
        )
        self.functions_security_group = ec2.SecurityGroup(
            self,
            "FunctionsSecurityGroup",
            vpc=self.vpc,
            description="Lambda functions that reach PostgreSQL through the RDS Proxy",
            allow_all_outbound=True,
        )
        isolated = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        reader_instance = _reader(reader)
        readers = [reader_instance] if reader_instance is not None else []
        destroy = removal_policy == RemovalPolicy.DESTROY
        # made here, with the stage's retention, before RDS makes it without one
        postgres_logs = logs.LogGroup(
            self,
            "PostgresLogs",
            log_group_name=f"/aws/rds/cluster/{cluster_identifier}/postgresql",
            retention=log_retention,
            removal_policy=removal_policy if destroy else RemovalPolicy.RETAIN,
        )
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            cluster_identifier=cluster_identifier,
            engine=rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION),
            writer=rds.ClusterInstance.serverless_v2("writer"),
            readers=readers,
            serverless_v2_min_capacity=min_acu,
            serverless_v2_max_capacity=max_acu,
            credentials=rds.Credentials.from_generated_secret("resale_admin"),
            default_database_name=database_name,
            vpc=self.vpc,
            vpc_subnets=isolated,
            storage_encrypted=True,
            backup=rds.BackupProps(retention=Duration.days(7)),
            cloudwatch_logs_exports=["postgresql"],
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
        )
        self.cluster.node.add_dependency(postgres_logs)
        secret = self.cluster.secret
        if secret is None:  # pragma: no cover - generated credentials always make one
            raise RuntimeError("the Aurora cluster has no credentials secret")
        self.secret: secretsmanager.ISecret = secret
        self.proxy = self.cluster.add_proxy(
            "Proxy",
            secrets=[secret],
            vpc=self.vpc,
            vpc_subnets=isolated,
            require_tls=True,
            debug_logging=False,
        )
        self.proxy.connections.allow_from(
            self.functions_security_group, ec2.Port.tcp(POSTGRES_PORT), "functions to the RDS Proxy"
        )
        self.access = DatabaseAccess(
            secret=secret,
            name=database_name,
            host=self.proxy.endpoint,
            vpc=self.vpc,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_group=self.functions_security_group,
        )


def _reader(enabled: bool) -> rds.IClusterInstance | None:
    if not enabled:
        return None
    return rds.ClusterInstance.serverless_v2("reader", scale_with_writer=True)


class ExistingDatabase(Construct):
    """A self-managed PostgreSQL whose connection details are all in an existing secret."""

    def __init__(self, scope: Construct, construct_id: str, *, secret_arn: str, database_name: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret.from_secret_complete_arn(self, "Secret", secret_arn)
        self.access = DatabaseAccess(secret=self.secret, name=database_name)
