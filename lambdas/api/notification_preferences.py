"""GET/PUT /me/notification-preferences: the caller's own preferences per category and channel.

There is no user id in the path: a caller only ever reads or changes their own preferences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import core, notifications
from workflows.accounts.errors import ProfileNotFound
from workflows.notifications.commands import PreferencesUpdate  # noqa: TC001 - parsed at runtime
from workflows.notifications.errors import AccountNotificationsRequired, DuplicatePreference
from workflows.notifications.preferences import get_preferences, update_preferences
from workflows.notifications.views import Preferences
from workflows.shared.errors import ContractError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()


_PUT_RESPONSES: dict[int, Any] = {
    200: {
        "description": "All the caller's preferences, after the change",
        "content": {"application/json": {"model": Preferences}},
    },
    **error_responses(
        (ContractError, "invalid body"),
        (DuplicatePreference, "a preference given twice"),
        (AccountNotificationsRequired, "account notifications cannot be turned off"),
        (ProfileNotFound, "the caller has no profile yet"),
    ),
}


@app.get(
    "/me/notification-preferences",
    summary="The caller's notification preferences",
    description="Every category (account, orders, messages, marketing) on every channel (email, sms), "
    "with the defaults filled in for what the caller never chose. Account notifications are always on.",
    tags=["notifications"],
)
def read_notification_preferences() -> Preferences:
    return get_preferences(caller(app).user_id, notifications.wiring().preferences)


@app.put(
    "/me/notification-preferences",
    summary="Change the caller's notification preferences",
    description="Sets the listed preferences and answers all of them. Account notifications cannot be "
    "turned off (400 ACCOUNT_NOTIFICATIONS_REQUIRED).",
    tags=["notifications"],
    responses=_PUT_RESPONSES,
)
def change_notification_preferences(body: Annotated[PreferencesUpdate, Body()]) -> Preferences:
    return update_preferences(
        caller(app).user_id, body.preferences, notifications.wiring().preferences, core.wiring().clock
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
