"""Preferences: defaults filled in, account always on, changes merged."""

from __future__ import annotations

import pytest

from tests.fakes.clock import FakeClock
from tests.fakes.notifications import FakePreferences
from workflows.notifications.errors import AccountNotificationsRequired, DuplicatePreference
from workflows.notifications.preferences import get_preferences, update_preferences
from workflows.notifications.views import Preference


def as_dict(preferences) -> dict[tuple[str, str], bool]:
    return {(p.category, p.channel): p.enabled for p in preferences.preferences}


def test_given_no_choices_then_every_category_and_channel_has_its_default() -> None:
    got = as_dict(get_preferences("u1", FakePreferences()))
    assert len(got) == 8
    assert got[("account", "email")] and got[("orders", "email")] and got[("messages", "email")]
    assert not got[("marketing", "email")]
    assert got[("account", "sms")] and got[("orders", "sms")]
    assert not got[("messages", "sms")] and not got[("marketing", "sms")]


def test_given_a_change_then_it_is_kept_and_others_stay() -> None:
    store = FakePreferences()
    update_preferences(
        "u1", [Preference(category="orders", channel="email", enabled=False)], store, FakeClock()
    )
    update_preferences(
        "u1", [Preference(category="marketing", channel="sms", enabled=True)], store, FakeClock()
    )
    got = as_dict(get_preferences("u1", store))
    assert not got[("orders", "email")] and got[("marketing", "sms")] and got[("messages", "email")]


def test_given_account_turned_off_then_it_is_refused_and_nothing_changes() -> None:
    store = FakePreferences()
    changes = [
        Preference(category="orders", channel="email", enabled=False),
        Preference(category="account", channel="sms", enabled=False),
    ]
    with pytest.raises(AccountNotificationsRequired) as refused:
        update_preferences("u1", changes, store, FakeClock())
    assert refused.value.code == "ACCOUNT_NOTIFICATIONS_REQUIRED"
    assert store.choices == {}


def test_given_the_same_preference_twice_then_it_is_refused() -> None:
    changes = [Preference(category="orders", channel="sms", enabled=v) for v in (True, False)]
    with pytest.raises(DuplicatePreference):
        update_preferences("u1", changes, FakePreferences(), FakeClock())
