"""Identity: the Cognito user pool, its groups and the public app client."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stacks.model import PASSWORD_POLICY

#: the user pool's groups; API routes with ``seller``/``admin`` auth check membership
GROUPS = ("buyer", "seller", "admin")


class Identity(Construct):
    """Email sign-in with self sign-up and verification; groups buyer, seller, admin."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool_name: str,
        removal_policy: RemovalPolicy,
        deletion_protection: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=user_pool_name,
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            # the platform sends and checks its own confirmation codes through its notification
            # pipeline (workflows/accounts); Cognito must not email codes of its own
            auto_verify=cognito.AutoVerifiedAttrs(email=False, phone=False),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                phone_number=cognito.StandardAttribute(required=False, mutable=True),
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_POLICY.min_length,
                require_lowercase=PASSWORD_POLICY.require_lowercase,
                require_uppercase=PASSWORD_POLICY.require_uppercase,
                require_digits=PASSWORD_POLICY.require_digits,
                require_symbols=PASSWORD_POLICY.require_symbols,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
        )
        self.groups = {
            name: cognito.UserPoolGroup(
                self,
                f"Group{name.capitalize()}",
                user_pool=self.user_pool,
                group_name=name,
                description=f"Resale {name}s",
            )
            for name in GROUPS
        }
        self.client = self.user_pool.add_client(
            "AppClient",
            user_pool_client_name=f"{user_pool_name}-app",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            prevent_user_existence_errors=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            enable_token_revocation=True,
        )
