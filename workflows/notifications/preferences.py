"""Notification preferences: per category and channel, with defaults; ``account`` is always on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.notifications.errors import AccountNotificationsRequired, DuplicatePreference
from workflows.notifications.views import Preference, Preferences

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from workflows.notifications.model import Category, Channel
    from workflows.notifications.ports import PreferenceStore
    from workflows.shared.clock import Clock

CATEGORIES: tuple[Category, ...] = ("account", "orders", "messages", "marketing")
CHANNELS: tuple[Channel, ...] = ("email", "sms")
#: categories nobody can turn off: sign-in codes, password and phone changes, security notices
ALWAYS_ON: frozenset[Category] = frozenset({"account"})

#: what a user who never chose gets. Email: everything but marketing. SMS costs money and
#: interrupts: only order updates (and account messages, which always go out).
DEFAULTS: Mapping[tuple[Category, Channel], bool] = {
    ("account", "email"): True,
    ("orders", "email"): True,
    ("messages", "email"): True,
    ("marketing", "email"): False,
    ("account", "sms"): True,
    ("orders", "sms"): True,
    ("messages", "sms"): False,
    ("marketing", "sms"): False,
}


def allows(category: Category, channel: Channel, chosen: Mapping[tuple[Category, Channel], bool]) -> bool:
    """Does the user get this category on this channel (their choice, else the default)?"""
    if category in ALWAYS_ON:
        return True
    return chosen.get((category, channel), DEFAULTS[(category, channel)])


def _effective(chosen: Mapping[tuple[Category, Channel], bool]) -> Preferences:
    return Preferences(
        preferences=[
            Preference(category=category, channel=channel, enabled=allows(category, channel, chosen))
            for category in CATEGORIES
            for channel in CHANNELS
        ]
    )


def get_preferences(user_id: str, store: PreferenceStore) -> Preferences:
    """The user's preferences for every category and channel (defaults filled in)."""
    return _effective(store.load(user_id))


def update_preferences(
    user_id: str, changes: Sequence[Preference], store: PreferenceStore, clock: Clock
) -> Preferences:
    """Set the given preferences (others stay as they are); returns all of them afterwards."""
    seen: set[tuple[Category, Channel]] = set()
    for change in changes:
        key = (change.category, change.channel)
        if key in seen:
            raise DuplicatePreference(
                f"The preference for {change.category} on {change.channel} is given twice.",
                details={"category": change.category, "channel": change.channel},
            )
        seen.add(key)
        if change.category in ALWAYS_ON and not change.enabled:
            raise AccountNotificationsRequired(
                "Account notifications (sign-in codes, security notices) cannot be turned off.",
                details={"category": change.category, "channel": change.channel},
            )
    choices = {(c.category, c.channel): c.enabled for c in changes if c.category not in ALWAYS_ON}
    if choices:
        store.save(user_id, choices, clock.now())
    return get_preferences(user_id, store)
