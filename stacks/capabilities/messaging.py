"""Messaging: buyer-seller conversations over REST and the ``live`` WebSocket API.

Conversations and messages are in MongoDB; open connections in the ``connections`` table
(TTL = connect time + 2 hours, API Gateway's limit; found by user through ``by-user``). A message
posted by REST or WebSocket is pushed through the ``@connections`` API to the recipient's and
the sender's other connections; a recipient with none gets a ``missed-message`` execution, which
waits the quiet period on the clock and then tells them by email/SMS if they still have not read.

The WebSocket API: ``$connect`` behind a REQUEST authorizer (the Cognito id token as the
``token`` query string parameter), ``$disconnect``, ``$default`` (an unknown ``action``), and the
``sendMessage``, ``markRead`` and ``typing`` actions (``$request.body.action``).
"""

from __future__ import annotations

from stacks.capabilities import LIVE_API, LIVE_PUSH_ENV, LIVE_PUSH_GRANTS, NOTIFY_ENV, PUBLISH_NOTIFICATIONS
from stacks.model import (
    Attr,
    Capability,
    Function,
    FunctionTarget,
    Grant,
    Index,
    Key,
    Kind,
    Ref,
    Route,
    StateMachine,
    Table,
    WebSocketApi,
    WebSocketRoute,
)

_CONNECTIONS_ENV: dict[str, str | Ref] = {"CONNECTIONS_TABLE": Ref(Kind.TABLE, "connections")}
#: what a function that posts messages needs: pushes, the notice's machine, images, events
_POST_ENV: dict[str, str | Ref] = {
    **LIVE_PUSH_ENV,
    "TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens"),
    "MISSED_MESSAGE_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "missed-message", Attr.ARN),
    "IMAGES_BUCKET": Ref(Kind.BUCKET, "images"),
}
_POST_GRANTS = (
    *LIVE_PUSH_GRANTS,
    Grant(Kind.STATE_MACHINE, "missed-message", "start"),
    # a read marker resumes the quiet period's wait (the task token parked in task-tokens)
    Grant(Kind.TABLE, "task-tokens", "read_write"),
    Grant(Kind.STATE_MACHINE, "missed-message", "task_response"),
    Grant(Kind.BUCKET, "images", "read_write"),
    Grant(Kind.BUS, "domain", "publish"),
)


MESSAGING = Capability(
    "messaging",
    functions=(
        Function(
            "api-messaging",
            handler="lambdas.api.messaging.handler",
            description="/conversations (and their messages, read markers, images, reports), "
            "/orders/{order_id}/conversation, /me/blocked-users, /admin/message-reports.",
            timeout_s=15,
            environment=dict(_POST_ENV),
            grants=_POST_GRANTS,
            uses_postgres=True,
            uses_mongo=True,
            service="messaging",
        ),
        Function(
            "ws-live",
            handler="lambdas.ws.router.handler",
            description="The live WebSocket API: its $connect authorizer (the Cognito id token of "
            "?token=) and every route ($connect, $disconnect, $default, sendMessage, markRead, typing).",
            timeout_s=10,
            environment={
                **_POST_ENV,
                "USER_POOL_ID": Ref(Kind.USER_POOL, "users", Attr.ID),
                "USER_POOL_CLIENT_ID": Ref(Kind.USER_POOL_CLIENT, "users", Attr.ID),
            },
            grants=_POST_GRANTS,
            uses_postgres=True,
            uses_mongo=True,
            service="messaging",
        ),
        Function(
            "messaging-send-missed-notice",
            handler="lambdas.steps.messaging.send_missed_notice.handler",
            description="Step of missed-message: tell a recipient who has not read (and is not "
            "connected) by email/SMS.",
            timeout_s=15,
            environment={
                **_CONNECTIONS_ENV,
                **NOTIFY_ENV,
                "TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens"),
            },
            grants=(Grant(Kind.TABLE, "connections", "read"), PUBLISH_NOTIFICATIONS),
            uses_postgres=True,
            uses_mongo=True,
            service="messaging",
        ),
    ),
    routes=(
        Route("POST", "/conversations", "user", FunctionTarget("api-messaging")),
        Route("GET", "/conversations", "user", FunctionTarget("api-messaging")),
        Route("GET", "/conversations/{conversation_id}", "user", FunctionTarget("api-messaging")),
        Route("GET", "/conversations/{conversation_id}/messages", "user", FunctionTarget("api-messaging")),
        Route("POST", "/conversations/{conversation_id}/messages", "user", FunctionTarget("api-messaging")),
        Route("POST", "/conversations/{conversation_id}/read", "user", FunctionTarget("api-messaging")),
        Route("POST", "/conversations/{conversation_id}/images", "user", FunctionTarget("api-messaging")),
        Route("POST", "/conversations/{conversation_id}/report", "user", FunctionTarget("api-messaging")),
        Route("POST", "/orders/{order_id}/conversation", "user", FunctionTarget("api-messaging")),
        Route("GET", "/me/blocked-users", "user", FunctionTarget("api-messaging")),
        Route("PUT", "/me/blocked-users/{user_id}", "user", FunctionTarget("api-messaging")),
        Route("DELETE", "/me/blocked-users/{user_id}", "user", FunctionTarget("api-messaging")),
        Route("GET", "/admin/message-reports", "admin", FunctionTarget("api-messaging")),
        Route("POST", "/admin/message-reports/{report_id}/resolve", "admin", FunctionTarget("api-messaging")),
    ),
    tables=(
        Table(
            "connections",
            partition_key=Key("connection_id"),
            indexes=(Index("by-user", Key("user_id"), Key("connection_id")),),
            ttl_attribute="expires_at",
            description="Open WebSocket connections: expires_at = connect time + 7,200 s (TTL).",
        ),
    ),
    state_machines=(
        StateMachine(
            "missed-message",
            definition="missed_message.json",
            type="STANDARD",
            substitutions={
                "WaitForEventFunctionArn": Ref(Kind.FUNCTION, "wait-for-event", Attr.ARN),
                "SendMissedNoticeFunctionArn": Ref(Kind.FUNCTION, "messaging-send-missed-notice", Attr.ARN),
            },
            timeout_s=2 * 86_400,
        ),
    ),
    websocket_apis=(
        WebSocketApi(
            LIVE_API,
            routes=(
                WebSocketRoute("$connect", "ws-live"),
                WebSocketRoute("$disconnect", "ws-live"),
                WebSocketRoute("$default", "ws-live"),
                WebSocketRoute("sendMessage", "ws-live"),
                WebSocketRoute("markRead", "ws-live"),
                WebSocketRoute("typing", "ws-live"),
            ),
            authorizer="ws-live",
            description="Live updates: message.created, message.read, typing.",
        ),
    ),
)
