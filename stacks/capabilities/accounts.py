"""Accounts and identity: sign-up, login, profile, addresses, phone, saved cards.

Three API functions, each with only the access it needs: identity (the user pool, the
notifications topic for confirmation codes), profile (the pool for the name, Twilio Verify,
the topic) and payment methods (Stripe). All keep their state in PostgreSQL.
"""

from __future__ import annotations

from stacks.capabilities import NOTIFY_ENV
from stacks.model import Attr, Capability, Function, FunctionTarget, Grant, Kind, Ref, Route

_POOL = {
    "USER_POOL_ID": Ref(Kind.USER_POOL, "users", Attr.ID),
    "USER_POOL_CLIENT_ID": Ref(Kind.USER_POOL_CLIENT, "users", Attr.ID),
}
_NOTIFY = NOTIFY_ENV

ACCOUNTS = Capability(
    "accounts",
    functions=(
        Function(
            "api-identity",
            handler="lambdas.api.identity.handler",
            description="POST /auth/*: sign-up with an emailed code, confirmation, login, refresh.",
            environment={**_POOL, **_NOTIFY},
            grants=(Grant("cognito_admin", "users"), Grant(Kind.TOPIC, "notifications", "publish")),
            uses_postgres=True,
            service="accounts",
        ),
        Function(
            "api-profile",
            handler="lambdas.api.profile.handler",
            description="/me: the caller's profile, addresses and phone verification (Twilio Verify).",
            environment={**_POOL, **_NOTIFY, "TWILIO_SECRET_ARN": Ref(Kind.SECRET, "twilio", Attr.ARN)},
            grants=(
                Grant("cognito_admin", "users"),
                Grant(Kind.TOPIC, "notifications", "publish"),
                Grant(Kind.SECRET, "twilio", "read"),
            ),
            uses_postgres=True,
            uses_mongo=True,  # the unread message total of GET /me (messaging's read model)
            service="accounts",
        ),
        Function(
            "api-payment-methods",
            handler="lambdas.api.payment_methods.handler",
            description="/me/payment-methods: the caller's Stripe customer and saved cards.",
            timeout_s=15,
            environment={"STRIPE_SECRET_ARN": Ref(Kind.SECRET, "stripe", Attr.ARN)},
            grants=(Grant(Kind.SECRET, "stripe", "read"),),
            uses_postgres=True,
            service="accounts",
        ),
    ),
    routes=(
        Route("POST", "/auth/signup", "public", FunctionTarget("api-identity")),
        Route("POST", "/auth/confirm", "public", FunctionTarget("api-identity")),
        Route("POST", "/auth/resend-code", "public", FunctionTarget("api-identity")),
        Route("POST", "/auth/login", "public", FunctionTarget("api-identity")),
        Route("POST", "/auth/refresh", "public", FunctionTarget("api-identity")),
        Route("GET", "/me", "user", FunctionTarget("api-profile")),
        Route("PATCH", "/me", "user", FunctionTarget("api-profile")),
        Route("GET", "/me/addresses", "user", FunctionTarget("api-profile")),
        Route("POST", "/me/addresses", "user", FunctionTarget("api-profile")),
        Route("PUT", "/me/addresses/{address_id}", "user", FunctionTarget("api-profile")),
        Route("DELETE", "/me/addresses/{address_id}", "user", FunctionTarget("api-profile")),
        Route("POST", "/me/phone/verification", "user", FunctionTarget("api-profile")),
        Route("POST", "/me/phone/verification/check", "user", FunctionTarget("api-profile")),
        Route("POST", "/me/payment-methods/setup", "user", FunctionTarget("api-payment-methods")),
        Route("GET", "/me/payment-methods", "user", FunctionTarget("api-payment-methods")),
        Route(
            "DELETE", "/me/payment-methods/{payment_method_id}", "user", FunctionTarget("api-payment-methods")
        ),
    ),
)
