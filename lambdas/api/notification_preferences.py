"""GET/PUT /me/notification-preferences: the caller's own preferences per category and channel.

There is no user id in the path: a caller only ever reads or changes their own preferences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field

from lambdas import bootstrap
from lambdas.api.auth import caller
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from workflows.notifications.preferences import Preference, Preferences, get_preferences, update_preferences
from workflows.shared.clock import SystemClock

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()


class PreferencesUpdate(BaseModel):
    """The preferences to change; those not listed stay as they are."""

    model_config = ConfigDict(extra="forbid")

    preferences: list[Preference] = Field(min_length=1, max_length=32)


_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_PUT_RESPONSES: dict[int, Any] = {
    200: {
        "description": "All the caller's preferences, after the change",
        "content": {"application/json": {"model": Preferences}},
    },
    400: {
        "description": "Invalid body (INVALID_REQUEST), a preference given twice (DUPLICATE_PREFERENCE), "
        "or an attempt to turn off account notifications (ACCOUNT_NOTIFICATIONS_REQUIRED)",
        "content": _ERROR_CONTENT,
    },
    404: {"description": "The caller has no profile yet (PROFILE_NOT_FOUND)", "content": _ERROR_CONTENT},
}


@app.get(
    "/me/notification-preferences",
    summary="The caller's notification preferences",
    description="Every category (account, orders, messages, marketing) on every channel (email, sms), "
    "with the defaults filled in for what the caller never chose. Account notifications are always on.",
    tags=["notifications"],
)
def read_notification_preferences() -> Preferences:
    return get_preferences(caller(app).user_id, bootstrap.notification_preferences())


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
        caller(app).user_id, body.preferences, bootstrap.notification_preferences(), SystemClock()
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
