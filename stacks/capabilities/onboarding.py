"""Seller onboarding: the seller_onboarding Standard state machine, its steps and ``/sellers``.

The API function validates the caller, records the onboarding and starts the machine
(execution name = onboarding id). The steps talk to Stripe Connect (create the account and the
hosted onboarding link), wait for ``account.updated`` through the shared wait-for-event step,
read the account at Stripe (never the event's payload) and, once the account can take charges
and payouts, put the user in the seller group.

After that, ``seller-accounts`` follows the seller for good: every ``account.updated`` or
``account.application.deauthorized`` on the Stripe bus reads the account at Stripe and moves the
seller between active and restricted (a restricted seller lists, sells and is paid nothing).
"""

from __future__ import annotations

from stacks.capabilities import NOTIFY_ENV, PUBLISH_NOTIFICATIONS, READ_STRIPE, STRIPE_ENV
from stacks.model import (
    Attr,
    Capability,
    Function,
    FunctionTarget,
    Grant,
    Kind,
    Ref,
    Route,
    Rule,
    RuleTarget,
    StateMachine,
)

_STRIPE = STRIPE_ENV
_STRIPE_GRANTS = (READ_STRIPE,)
_NOTIFY = NOTIFY_ENV
_NOTIFY_GRANTS = (PUBLISH_NOTIFICATIONS,)
_POOL: dict[str, str | Ref] = {
    "USER_POOL_ID": Ref(Kind.USER_POOL, "users", Attr.ID),
    "USER_POOL_CLIENT_ID": Ref(Kind.USER_POOL_CLIENT, "users", Attr.ID),
}

#: a Standard execution lives at most this long (above ONBOARDING_EXPIRE_AFTER_S's 35-day limit)
MACHINE_TIMEOUT_S = 40 * 86_400


def _step(
    module: str,
    description: str,
    *,
    environment: dict[str, str | Ref] | None = None,
    grants: tuple[Grant, ...] = (),
) -> Function:
    return Function(
        f"onboarding-{module.replace('_', '-')}",
        handler=f"lambdas.steps.onboarding.{module}.handler",
        description=f"Step of seller_onboarding: {description}",
        timeout_s=25,
        environment=environment or {},
        grants=grants,
        uses_postgres=True,
        service="onboarding",
    )


ONBOARDING = Capability(
    "onboarding",
    functions=(
        Function(
            "api-sellers",
            handler="lambdas.api.sellers.handler",
            description="/sellers: start a seller onboarding, read it, get a fresh onboarding link.",
            timeout_s=15,
            environment={
                **_STRIPE,
                "SELLER_ONBOARDING_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "seller-onboarding", Attr.ARN),
            },
            grants=(*_STRIPE_GRANTS, Grant(Kind.STATE_MACHINE, "seller-onboarding", "start")),
            uses_postgres=True,
            service="onboarding",
        ),
        _step(
            "create_connected_account",
            "the Stripe Connect Express account (idempotent).",
            environment=_STRIPE,
            grants=_STRIPE_GRANTS,
        ),
        _step(
            "create_account_link",
            "Stripe's hosted onboarding link.",
            environment=_STRIPE,
            grants=_STRIPE_GRANTS,
        ),
        _step(
            "evaluate_account",
            "what the account, read at Stripe after an account.updated, means.",
            environment={**_STRIPE, **_NOTIFY},
            grants=(*_STRIPE_GRANTS, *_NOTIFY_GRANTS),
        ),
        _step(
            "activate_seller",
            "the seller group and the profile's seller status.",
            environment={**_NOTIFY, **_POOL},
            grants=(*_NOTIFY_GRANTS, Grant("cognito_admin", "users")),
        ),
        _step("send_reminder", "the reminder email.", environment=_NOTIFY, grants=_NOTIFY_GRANTS),
        _step("expire_onboarding", "the expiry.", environment=_NOTIFY, grants=_NOTIFY_GRANTS),
        _step(
            "mark_onboarding_failed",
            "the compensation of a failed step (the seller group undone if Activate Seller failed).",
            environment=_POOL,
            grants=(Grant("cognito_admin", "users"),),
        ),
        Function(
            "seller-accounts",
            handler="lambdas.consumers.seller_accounts.handler",
            description="Stripe account events of onboarded sellers: the account read at Stripe moves "
            "the seller between active and restricted.",
            timeout_s=15,
            environment={**_STRIPE, **_NOTIFY},
            grants=(*_STRIPE_GRANTS, *_NOTIFY_GRANTS),
            uses_postgres=True,
            service="onboarding",
        ),
    ),
    routes=(
        Route("POST", "/sellers", "user", FunctionTarget("api-sellers")),
        Route("GET", "/sellers/me", "user", FunctionTarget("api-sellers")),
        Route("POST", "/sellers/me/onboarding-link", "user", FunctionTarget("api-sellers")),
    ),
    state_machines=(
        StateMachine(
            "seller-onboarding",
            definition="seller_onboarding.json",
            substitutions={
                "CreateConnectedAccountFunctionArn": Ref(
                    Kind.FUNCTION, "onboarding-create-connected-account", Attr.ARN
                ),
                "CreateAccountLinkFunctionArn": Ref(
                    Kind.FUNCTION, "onboarding-create-account-link", Attr.ARN
                ),
                "WaitForEventFunctionArn": Ref(Kind.FUNCTION, "wait-for-event", Attr.ARN),
                "EvaluateAccountFunctionArn": Ref(Kind.FUNCTION, "onboarding-evaluate-account", Attr.ARN),
                "ActivateSellerFunctionArn": Ref(Kind.FUNCTION, "onboarding-activate-seller", Attr.ARN),
                "SendReminderFunctionArn": Ref(Kind.FUNCTION, "onboarding-send-reminder", Attr.ARN),
                "ExpireOnboardingFunctionArn": Ref(Kind.FUNCTION, "onboarding-expire-onboarding", Attr.ARN),
                "MarkOnboardingFailedFunctionArn": Ref(
                    Kind.FUNCTION, "onboarding-mark-onboarding-failed", Attr.ARN
                ),
            },
            timeout_s=MACHINE_TIMEOUT_S,
        ),
    ),
    rules=(
        Rule(
            "seller-accounts",
            bus="stripe",
            event_pattern={"detail-type": ["account.updated", "account.application.deauthorized"]},
            targets=(RuleTarget("function", "seller-accounts"),),
            description="Onboarded sellers follow their Stripe account: restricted or active again.",
        ),
    ),
)
