"""Secrets the functions read: the MongoDB URI and the providers' API keys.

They are created with a generated placeholder value; an operator puts the real value in once
per stage (``aws secretsmanager put-secret-value``). Functions read them with Powertools
Parameters, cached, never from the environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import RemovalPolicy, Tags
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.naming import LOGICAL_NAME_TAG, construct_id

if TYPE_CHECKING:
    from collections.abc import Mapping

#: provider secrets every stage has (logical name → what it holds)
PROVIDER_SECRETS = {
    "stripe": "Stripe secret key and webhook signing secret (JSON)",
    "twilio": "Twilio account SID, auth token and Verify service SID (JSON)",
    "sendgrid": "SendGrid API key (JSON)",
}


class Secrets(Construct):
    """The MongoDB URI secret and one secret per provider, by logical name."""

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        stage: str,
        mongodb_uri_secret_name: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id_)
        built: dict[str, secretsmanager.ISecret] = {}
        built["mongodb"] = secretsmanager.Secret(
            self,
            "Mongodb",
            secret_name=mongodb_uri_secret_name,
            description="MongoDB connection URI (Atlas or DocumentDB) for Resale",
            removal_policy=removal_policy,
        )
        for name, description in PROVIDER_SECRETS.items():
            built[name] = secretsmanager.Secret(
                self,
                construct_id(name),
                secret_name=f"resale/{stage}/{name}",
                description=description,
                removal_policy=removal_policy,
            )
        for name, secret in built.items():
            Tags.of(secret).add(LOGICAL_NAME_TAG, name)
        self._secrets = built

    @property
    def secrets(self) -> Mapping[str, secretsmanager.ISecret]:
        return dict(self._secrets)
