"""Shared platform resources: the data tables, buses, notification fan-out, health and canary."""

from __future__ import annotations

from stacks.model import (
    Attr,
    Bus,
    Capability,
    Function,
    FunctionTarget,
    Index,
    Key,
    Kind,
    Ref,
    Route,
    Rule,
    RuleTarget,
    StateMachine,
    Table,
)

PLATFORM = Capability(
    "platform",
    tables=(
        Table(
            "carts",
            partition_key=Key("user_id"),
            sort_key=Key("listing_id"),
            indexes=(Index("by-listing", Key("listing_id"), Key("user_id")),),
            description="One item per (buyer, listing) line of a cart.",
        ),
        Table(
            "idempotency",
            partition_key=Key("id"),
            ttl_attribute="expiration",
            description="Powertools idempotency records and processed-event markers.",
        ),
        Table(
            "task-tokens",
            partition_key=Key("correlation_id"),
            ttl_attribute="expires_at",
            description="Step Functions task tokens waiting for an outside event, by business key.",
        ),
        Table(
            "watchlists",
            partition_key=Key("user_id"),
            sort_key=Key("listing_id"),
            indexes=(Index("by-listing", Key("listing_id"), Key("user_id")),),
        ),
    ),
    buses=(
        Bus("domain", description="Resale's own domain events (OrderPaid, ListingCreated, ...)."),
        Bus("stripe", partner=True, description="Stripe's events via the Amazon EventBridge integration."),
    ),
    functions=(
        Function(
            "api-health",
            handler="lambdas.api.health.handler",
            description="GET /health: readiness of PostgreSQL and MongoDB.",
            timeout_s=5,
            uses_postgres=True,
            uses_mongo=True,
            service="platform",
        ),
        Function(
            "api-openapi",
            handler="lambdas.api.openapi.handler",
            description="GET /openapi.json: the API's OpenAPI document, generated from the handlers.",
            timeout_s=10,
            service="platform",
            # PUBLIC_ROUTES and API_MODULES are filled in from the composed topology (stacks/topology.py)
        ),
        Function(
            "migrate",
            handler="lambdas.jobs.migrate.handler",
            description="Deploy-time: apply PostgreSQL migrations and ensure MongoDB indexes.",
            memory_mb=512,
            timeout_s=300,
            uses_postgres=True,
            uses_mongo=True,
            service="platform",
            on_deploy=True,
        ),
        Function(
            "check-dependencies",
            handler="lambdas.steps.platform.check_dependencies.handler",
            description="Step of the platform canary: do PostgreSQL and MongoDB answer?",
            timeout_s=15,
            uses_postgres=True,
            uses_mongo=True,
            service="platform",
        ),
    ),
    routes=(
        Route("GET", "/health", "public", FunctionTarget("api-health")),
        Route("GET", "/openapi.json", "public", FunctionTarget("api-openapi")),
    ),
    state_machines=(
        StateMachine(
            "platform-canary",
            definition="platform_canary.json",
            type="STANDARD",
            substitutions={
                "CheckDependenciesFunctionArn": Ref(Kind.FUNCTION, "check-dependencies", Attr.ARN)
            },
            timeout_s=120,
        ),
    ),
    rules=(
        Rule(
            "platform-canary",
            schedule="rate(5 minutes)",
            targets=(RuleTarget("state_machine", "platform-canary"),),
            description="Run the platform canary every five minutes.",
        ),
    ),
)
