"""Lambda functions declared in the topology, with the project's code and shared layers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aws_cdk import AssetHashType, Duration, Fn, IgnoreMode, RemovalPolicy, Tags
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks import bundle
from stacks.constructs.log_retention import retention
from stacks.naming import LOGICAL_NAME_TAG, construct_id, physical_name
from stacks.topology import ROOT, Ref

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from stacks.config import StageConfig
    from stacks.constructs.database import DatabaseAccess
    from stacks.topology import Function

#: the runtime packages a function's code bundle holds (everything else at the root is left out)
CODE_PACKAGES = ("workflows", "adapters", "lambdas", "statemachines")
CODE_EXCLUDES = (
    "/*",
    *(f"!/{package}" for package in CODE_PACKAGES),
    "__pycache__",
    "*.pyc",
    ".mypy_cache",
    ".ruff_cache",
    "*.md",
)
#: third-party dependencies built for the stage's runtime and architecture by `make bundle`
DEPENDENCIES_LAYER_DIR = bundle.LAYER_DIR
#: the account that publishes the public Powertools for AWS Lambda (Python) layers
POWERTOOLS_ACCOUNT = "017000801446"
METRICS_NAMESPACE = "Resale"

_RUNTIMES = {"python3.12": lambda_.Runtime.PYTHON_3_12, "python3.13": lambda_.Runtime.PYTHON_3_13}
_ARCHITECTURES = {"x86_64": lambda_.Architecture.X86_64, "arm64": lambda_.Architecture.ARM_64}


def powertools_layer_arn(scope: Construct, config: StageConfig) -> str:
    """The public Powertools v3 layer for the stack's region and partition.

    By default the ARN comes from the SSM parameter Powertools publishes for each release
    (``/aws/service/powertools/python/<arch>/<runtime>/<version>``), resolved at deploy time;
    with ``powertools_layer_version`` set, it is built with ``Fn::Sub`` instead.
    """
    if config.powertools_layer_version is not None:
        runtime = config.lambda_runtime.replace(".", "")
        return Fn.sub(
            "arn:${AWS::Partition}:lambda:${AWS::Region}:"
            f"{POWERTOOLS_ACCOUNT}:layer:AWSLambdaPowertoolsPythonV3-{runtime}-{config.lambda_architecture}:"
            f"{config.powertools_layer_version}"
        )
    return ssm.StringParameter.value_for_string_parameter(
        scope,
        f"/aws/service/powertools/python/{config.lambda_architecture}/{config.lambda_runtime}/"
        f"{config.powertools_version}",
    )


def stage_environment(config: StageConfig) -> dict[str, str]:
    """What every function learns from the stage's settings (``lambdas/wiring/`` reads it).

    None of these has a default in the runtime code: a function without them fails its cold
    start instead of sending mail from, or redirecting sellers to, a placeholder.
    """
    return {
        "STAGE": config.stage,
        "EMAIL_SENDER": config.email_sender,
        "ADMIN_EMAIL": config.admin_email,
        "ONBOARDING_RETURN_URL": config.onboarding_return_url,
        "ONBOARDING_REFRESH_URL": config.onboarding_refresh_url,
        "CORS_ALLOWED_ORIGINS": json.dumps(list(config.cors_allowed_origins)),
    }


def dependencies_layer(
    scope: Construct,
    config: StageConfig,
    runtime: lambda_.Runtime,
    architecture: lambda_.Architecture,
    removal: RemovalPolicy,
) -> lambda_.LayerVersion:
    """The layer of what only this project brings (``make bundle``); the synth fails without it.

    A missing bundle, or one built for another runtime, architecture or set of pins, is a
    :class:`~stacks.bundle.BundleError` that says what to run: never a stack whose functions
    cannot import their dependencies. The asset's hash is the bundle manifest's, which names
    every input, so an unchanged bundle is not uploaded again.
    """
    target = bundle.Target(runtime=config.lambda_runtime, architecture=config.lambda_architecture)
    directory = bundle.check(target, stage=config.stage)
    return lambda_.LayerVersion(
        scope,
        "Dependencies",
        code=lambda_.Code.from_asset(
            str(directory),
            asset_hash=bundle.manifest_digest(),
            asset_hash_type=AssetHashType.CUSTOM,
        ),
        compatible_runtimes=[runtime],
        compatible_architectures=[architecture],
        description=f"Resale's third-party runtime dependencies ({target})",
        removal_policy=removal,
    )


class Functions(Construct):
    """One ``lambda_.Function`` per topology function, each with its own log group (in ``log_scope``).

    ``resolve`` turns the topology's Refs into template values. Functions that use PostgreSQL
    run in the database's VPC (when it has one) and learn where to connect from the
    environment; the calling stack wires their grants.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        functions: Sequence[Function],
        config: StageConfig,
        resolve: Callable[[Ref], str],
        database: DatabaseAccess,
        mongodb_secret_arn: str,
        log_scope: Construct | None = None,
    ) -> None:
        super().__init__(scope, construct_id_)
        # the log groups may live in a scope of their own (a nested stack): one per function,
        # they would otherwise take a fifth of a stack's 500 resources
        log_scope = log_scope or self
        runtime = _RUNTIMES[config.lambda_runtime]
        architecture = _ARCHITECTURES[config.lambda_architecture]
        removal = RemovalPolicy.DESTROY if config.removal_policy == "destroy" else RemovalPolicy.RETAIN
        code = lambda_.Code.from_asset(str(ROOT), exclude=list(CODE_EXCLUDES), ignore_mode=IgnoreMode.GIT)
        layers: list[lambda_.ILayerVersion] = [
            lambda_.LayerVersion.from_layer_version_arn(
                self, "Powertools", powertools_layer_arn(self, config)
            )
        ]
        layers.append(dependencies_layer(self, config, runtime, architecture, removal))

        self._functions: dict[str, lambda_.Function] = {}
        for spec in functions:
            name = physical_name(config.prefix, spec.name)
            log_group = logs.LogGroup(
                log_scope,
                f"{construct_id(spec.name)}Logs",
                log_group_name=f"/aws/lambda/{name}",
                retention=retention(config.log_retention_days),
                removal_policy=removal,
            )
            environment = {
                **stage_environment(config),
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": config.log_level,
                **{
                    key: resolve(value) if isinstance(value, Ref) else value
                    for key, value in spec.full_environment.items()
                },
                "POWERTOOLS_SERVICE_NAME": spec.service,
            }
            in_vpc = spec.uses_postgres and database.vpc is not None
            if spec.uses_postgres:
                environment["DATABASE_SECRET_ARN"] = database.secret.secret_arn
                environment["DATABASE_NAME"] = database.name
                if database.host is not None:
                    environment["DATABASE_HOST"] = database.host
                    environment["DATABASE_PORT"] = str(database.port)
            if spec.uses_mongo:
                environment["MONGODB_SECRET_ARN"] = mongodb_secret_arn
            function = lambda_.Function(
                self,
                construct_id(spec.name),
                function_name=name,
                description=spec.description[:256],
                runtime=runtime,
                architecture=architecture,
                handler=spec.handler,
                code=code,
                layers=layers,
                memory_size=spec.memory_mb,
                timeout=Duration.seconds(spec.timeout_s),
                environment=environment,
                tracing=lambda_.Tracing.ACTIVE,
                log_group=log_group,
                vpc=database.vpc if in_vpc else None,
                vpc_subnets=database.subnets if in_vpc else None,
                security_groups=[database.security_group] if in_vpc and database.security_group else None,
            )
            Tags.of(function).add(LOGICAL_NAME_TAG, spec.name)
            self._functions[spec.name] = function

    @property
    def functions(self) -> Mapping[str, lambda_.IFunction]:
        return dict(self._functions)
