"""One region's entry in the API's latency-routed custom domain.

Each region serves the same name (``domain_name``) from its own regional API Gateway custom
domain. Route 53 answers with the region of lowest latency among the healthy ones: each region's
latency alias record carries a health check of that region's ``/health``, so a region whose
health check fails is withdrawn from the answers until it passes again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Aws, Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct

if TYPE_CHECKING:
    from stacks.config import StageConfig

#: the public route every region answers when its PostgreSQL and MongoDB are reachable
HEALTH_PATH = "/health"


class RegionalEndpoint(Construct):
    """The custom domain in this region (certificate, domain name, base path mapping), its
    Route 53 health check and its latency record."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, rest_api: apigw.RestApi
    ) -> None:
        super().__init__(scope, construct_id)
        region = str(config.region)
        domain_name = str(config.domain_name)
        zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=str(config.hosted_zone_id), zone_name=str(config.hosted_zone_name)
        )
        given = config.region_settings.get(region)
        certificate: acm.ICertificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", given.certificate_arn)
            if given is not None and given.certificate_arn
            else acm.Certificate(
                self,
                "Certificate",
                domain_name=domain_name,
                validation=acm.CertificateValidation.from_dns(zone),
            )
        )
        self.domain = apigw.DomainName(
            self,
            "Domain",
            domain_name=domain_name,
            certificate=certificate,
            endpoint_type=apigw.EndpointType.REGIONAL,
            security_policy=apigw.SecurityPolicy.TLS_1_2,
        )
        self.domain.add_base_path_mapping(rest_api, stage=rest_api.deployment_stage)
        # this region's own endpoint: the shared name may answer from another region, and the
        # custom domain's regional host (d-....execute-api...) routes by the shared name's SNI,
        # which a health check sends only for the host it checks
        self.health_check = route53.HealthCheck(
            self,
            "HealthCheck",
            type=route53.HealthCheckType.HTTPS,
            fqdn=f"{rest_api.rest_api_id}.execute-api.{region}.{Aws.URL_SUFFIX}",
            port=443,
            resource_path=f"/{config.stage}{HEALTH_PATH}",  # the API's stage is named after ours
            enable_sni=True,
            request_interval=Duration.seconds(config.health_check_interval_s),
            failure_threshold=config.health_check_failure_threshold,
        )
        self.record = route53.ARecord(
            self,
            "LatencyRecord",
            zone=zone,
            record_name=domain_name,
            target=route53.RecordTarget.from_alias(targets.ApiGatewayDomain(self.domain)),
            set_identifier=region,
            region=region,
            health_check=self.health_check,
        )
