"""What the notification-preferences API answers: every category on every channel."""

from __future__ import annotations

from pydantic import StrictBool  # noqa: TC002 - pydantic reads it

from workflows.notifications.model import Category, Channel  # noqa: TC001 - pydantic reads them
from workflows.shared.views import View


class Preference(View):
    """Whether a user gets one category of notification on one channel."""

    category: Category
    channel: Channel
    enabled: StrictBool


class Preferences(View):
    """Every category on every channel, the user's choice or the default."""

    preferences: list[Preference]
