"""What a user sends to change their notification preferences (``PUT /me/notification-preferences``)."""

from __future__ import annotations

from pydantic import Field

from workflows.notifications.views import Preference  # noqa: TC001 - pydantic reads it
from workflows.shared.commands import Command


class PreferencesUpdate(Command):
    """The preferences to change; those not listed stay as they are."""

    preferences: list[Preference] = Field(min_length=1, max_length=32)
