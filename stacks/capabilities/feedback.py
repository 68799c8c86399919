"""Feedback: leaving it on delivered orders, the double-blind ``feedback_window`` Standard state
machine and its steps, replies, moderation, the caller's pending feedback, and the public seller
profile (a read model in PostgreSQL, its two headline figures projected onto the seller's listings).

``OrderDelivered`` (from fulfilment, on the domain bus) reaches ``feedback-order-delivered``, which
starts ``feedback_window`` named ``feedback-<order_id>``; it and feedback's own events
(``FeedbackLeft``, ``FeedbackRevealed``, ``FeedbackReplied``, ``FeedbackRemoved``) reach
``feedback-profiles``, the profile's projection.
"""

from __future__ import annotations

from stacks.capabilities import NOTIFY_ENV, PUBLISH_NOTIFICATIONS
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

#: the window lasts 60 days by default (80 at most: FeedbackSettings); the machine ends before
MACHINE_TIMEOUT_S = 90 * 86_400

_PUBLISH_EVENTS = Grant(Kind.BUS, "domain", "publish")
#: the service resumes the window's wait when a party leaves feedback
_WAITS_ENV: dict[str, str | Ref] = {"TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens")}
_WAITS_GRANTS = (
    Grant(Kind.TABLE, "task-tokens", "read_write"),
    Grant(Kind.STATE_MACHINE, "feedback_window", "task_response"),
)
_SERVICE_ENV: dict[str, str | Ref] = {**NOTIFY_ENV, **_WAITS_ENV}
_SERVICE_GRANTS = (PUBLISH_NOTIFICATIONS, _PUBLISH_EVENTS, *_WAITS_GRANTS)


def _step(module: str, description: str) -> Function:
    return Function(
        f"feedback-{module.replace('_', '-')}",
        handler=f"lambdas.steps.feedback.{module}.handler",
        description=f"Step of feedback_window: {description}",
        timeout_s=15,
        environment=dict(_SERVICE_ENV),
        grants=_SERVICE_GRANTS,
        uses_postgres=True,
        service="feedback",
    )


FEEDBACK = Capability(
    "feedback",
    functions=(
        Function(
            "api-feedback",
            handler="lambdas.api.feedback.handler",
            description="POST/GET /orders/{order_id}/feedback, POST /feedback/{id}/reply, "
            "GET /me/feedback/pending, GET /sellers/{seller_id}/profile and /feedback, "
            "DELETE /admin/feedback/{id}.",
            timeout_s=15,
            environment=dict(_SERVICE_ENV),
            grants=_SERVICE_GRANTS,
            uses_postgres=True,
            service="feedback",
        ),
        Function(
            "feedback-order-delivered",
            handler="lambdas.consumers.feedback_order_delivered.handler",
            description="OrderDelivered: start the order's feedback window, feedback-<order_id>.",
            timeout_s=15,
            environment={
                "FEEDBACK_WINDOW_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "feedback_window", Attr.ARN)
            },
            grants=(Grant(Kind.STATE_MACHINE, "feedback_window", "start"),),
            uses_postgres=True,
            service="feedback",
        ),
        Function(
            "feedback-profiles",
            handler="lambdas.consumers.feedback_profiles.handler",
            description="Feedback's events, OrderDelivered, ListingCreated: the public profile's "
            "projection, once per event; the seller's score and percent positive onto their listings.",
            timeout_s=20,
            uses_postgres=True,
            uses_mongo=True,
            service="feedback",
        ),
        Function(
            "feedback-rebuild-profiles",
            handler="lambdas.jobs.rebuild_read_models.handler",
            description="On demand (make rebuild-read-models): the public seller profiles recomputed "
            "from the feedback and the delivered orders.",
            memory_mb=512,
            timeout_s=300,
            uses_postgres=True,
            service="feedback",
        ),
        _step("check_feedback", "open the window; wait, remind or reveal."),
        _step("send_reminder", "remind whoever has not left feedback, once, midway."),
        _step("reveal_feedback", "the order's feedback visible to both and the public, exactly once."),
    ),
    routes=(
        Route("POST", "/orders/{order_id}/feedback", "user", FunctionTarget("api-feedback")),
        Route("GET", "/orders/{order_id}/feedback", "user", FunctionTarget("api-feedback")),
        Route("POST", "/feedback/{feedback_id}/reply", "user", FunctionTarget("api-feedback")),
        Route("GET", "/me/feedback/pending", "user", FunctionTarget("api-feedback")),
        Route("GET", "/sellers/{seller_id}/profile", "public", FunctionTarget("api-feedback")),
        Route("GET", "/sellers/{seller_id}/feedback", "public", FunctionTarget("api-feedback")),
        Route("DELETE", "/admin/feedback/{feedback_id}", "admin", FunctionTarget("api-feedback")),
    ),
    state_machines=(
        StateMachine(
            "feedback_window",
            definition="feedback_window.json",
            type="STANDARD",
            substitutions={
                "CheckFeedbackFunctionArn": Ref(Kind.FUNCTION, "feedback-check-feedback", Attr.ARN),
                "WaitForEventFunctionArn": Ref(Kind.FUNCTION, "wait-for-event", Attr.ARN),
                "SendReminderFunctionArn": Ref(Kind.FUNCTION, "feedback-send-reminder", Attr.ARN),
                "RevealFeedbackFunctionArn": Ref(Kind.FUNCTION, "feedback-reveal-feedback", Attr.ARN),
            },
            timeout_s=MACHINE_TIMEOUT_S,
        ),
    ),
    rules=(
        Rule(
            "feedback-order-delivered",
            bus="domain",
            event_pattern={"source": ["resale.fulfilment"], "detail-type": ["OrderDelivered"]},
            targets=(RuleTarget("function", "feedback-order-delivered"),),
            description="A delivered order's feedback window starts.",
        ),
        Rule(
            "feedback-profiles",
            bus="domain",
            event_pattern={
                "source": ["resale.feedback", "resale.fulfilment", "resale.catalog"],
                "detail-type": [
                    "FeedbackLeft",
                    "FeedbackRevealed",
                    "FeedbackReplied",
                    "FeedbackRemoved",
                    "OrderDelivered",
                    "ListingCreated",
                ],
            },
            targets=(RuleTarget("function", "feedback-profiles"),),
            description="The public seller profile follows feedback and deliveries; new listings "
            "get their seller's figures.",
        ),
    ),
)
