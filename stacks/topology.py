"""The single declaration of every deployable resource: :data:`TOPOLOGY`.

The CDK stacks (``stacks/``) and the local cloud (``local/``) are both built from it, so what
runs locally is what deploys. Each capability declares its own resources in
``stacks/capabilities/``; the vocabulary (plain dataclasses, no ``aws_cdk``) is
``stacks/model.py``, re-exported here.

Names are *logical* (``task-tokens``, ``stripe-events``). Each platform turns them into
physical names its own way; environment values are :class:`Ref` objects that each platform
resolves (a table's name, a queue's URL, a state machine's ARN, ...).
"""

from __future__ import annotations

import dataclasses
import json

from stacks.capabilities.accounts import ACCOUNTS
from stacks.capabilities.cart import CART
from stacks.capabilities.catalog import CATALOG
from stacks.capabilities.checkout import CHECKOUT
from stacks.capabilities.fees import FEES
from stacks.capabilities.notifications import NOTIFICATIONS
from stacks.capabilities.onboarding import ONBOARDING
from stacks.capabilities.orders import ORDERS
from stacks.capabilities.payments import PAYMENTS, STRIPE_EVENTS_THAT_RESUME
from stacks.capabilities.payouts import PAYOUTS
from stacks.capabilities.platform import PLATFORM
from stacks.capabilities.webhooks import WEBHOOKS
from stacks.model import (
    COMMON_ENVIRONMENT,
    ROOT,
    STATEMACHINES_DIR,
    Access,
    Attr,
    Auth,
    Bus,
    Capability,
    Consumer,
    Function,
    FunctionTarget,
    Grant,
    Index,
    Key,
    Kind,
    Queue,
    Ref,
    Route,
    Rule,
    RuleTarget,
    StateMachine,
    Subscription,
    Table,
    Topic,
    Topology,
    compose,
)

CAPABILITIES: tuple[Capability, ...] = (
    PLATFORM,
    PAYMENTS,
    NOTIFICATIONS,
    ACCOUNTS,
    CATALOG,
    FEES,
    CART,
    ORDERS,
    CHECKOUT,
    ONBOARDING,
)

# -- payouts
CAPABILITIES += (PAYOUTS,)

# -- webhooks (Stripe's signed webhooks onto a bus with the Stripe bus's rules)
CAPABILITIES += (WEBHOOKS,)


def _tell_openapi_the_public_routes(topology: Topology) -> Topology:
    """The OpenAPI function marks every route but these as needing a token."""
    public = json.dumps(sorted([r.method, r.path] for r in topology.routes if r.auth == "public"))
    functions = tuple(
        dataclasses.replace(f, environment={**f.environment, "PUBLIC_ROUTES": public})
        if f.name == "api-openapi"
        else f
        for f in topology.functions
    )
    return dataclasses.replace(topology, functions=functions)


TOPOLOGY = _tell_openapi_the_public_routes(compose(*CAPABILITIES))

__all__ = [
    "CAPABILITIES",
    "COMMON_ENVIRONMENT",
    "ROOT",
    "STATEMACHINES_DIR",
    "STRIPE_EVENTS_THAT_RESUME",
    "TOPOLOGY",
    "Access",
    "Attr",
    "Auth",
    "Bus",
    "Capability",
    "Consumer",
    "Function",
    "FunctionTarget",
    "Grant",
    "Index",
    "Key",
    "Kind",
    "Queue",
    "Ref",
    "Route",
    "Rule",
    "RuleTarget",
    "StateMachine",
    "Subscription",
    "Table",
    "Topic",
    "Topology",
    "compose",
]
