"""GET/PUT /me/notification-preferences through the API gateway emulator (Cognito tokens)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from local.runtime import LocalCloud

PATH = "/me/notification-preferences"


@pytest.fixture
def member(make_user, pg_conn):
    """A signed-up user: in Cognito, and with a profile row (what the sign-up path writes)."""

    def create() -> Any:
        user = make_user()
        pg_conn.execute(
            "INSERT INTO users (user_id, email, name) VALUES (%s, %s, 'Ada')", (user.user_id, user.email)
        )
        return user

    return create


def prefs(body: dict[str, Any]) -> dict[tuple[str, str], bool]:
    return {(p["category"], p["channel"]): p["enabled"] for p in body["preferences"]}


def test_given_a_new_user_when_reading_then_every_category_and_channel_has_its_default(
    cloud: LocalCloud, member
) -> None:
    user = member()
    response = requests.get(f"{cloud.api_url}{PATH}", headers=user.headers, timeout=10)
    assert response.status_code == 200, response.text
    got = prefs(response.json())
    assert len(got) == 8
    assert got[("account", "email")] and got[("orders", "email")] and not got[("marketing", "email")]
    assert got[("orders", "sms")] and not got[("messages", "sms")]


def test_given_a_change_then_it_is_answered_and_read_back(cloud: LocalCloud, member) -> None:
    user = member()
    change = {"preferences": [{"category": "orders", "channel": "email", "enabled": False}]}
    response = requests.put(f"{cloud.api_url}{PATH}", json=change, headers=user.headers, timeout=10)
    assert response.status_code == 200, response.text
    assert prefs(response.json())[("orders", "email")] is False
    again = requests.get(f"{cloud.api_url}{PATH}", headers=user.headers, timeout=10).json()
    assert prefs(again)[("orders", "email")] is False and prefs(again)[("messages", "email")] is True


def test_given_account_turned_off_then_400_and_nothing_changes(cloud: LocalCloud, member) -> None:
    user = member()
    change = {
        "preferences": [
            {"category": "orders", "channel": "email", "enabled": False},
            {"category": "account", "channel": "email", "enabled": False},
        ]
    }
    response = requests.put(f"{cloud.api_url}{PATH}", json=change, headers=user.headers, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ACCOUNT_NOTIFICATIONS_REQUIRED"
    after = requests.get(f"{cloud.api_url}{PATH}", headers=user.headers, timeout=10).json()
    assert prefs(after)[("orders", "email")] is True


def test_given_two_users_then_each_sees_only_their_own_preferences(cloud: LocalCloud, member) -> None:
    alice, bob = member(), member()
    change = {"preferences": [{"category": "marketing", "channel": "email", "enabled": True}]}
    assert (
        requests.put(f"{cloud.api_url}{PATH}", json=change, headers=alice.headers, timeout=10).status_code
        == 200
    )
    bobs = requests.get(f"{cloud.api_url}{PATH}", headers=bob.headers, timeout=10).json()
    assert prefs(bobs)[("marketing", "email")] is False
    # a user id in the query or body changes nothing: the route only knows the caller
    sneaky = requests.get(f"{cloud.api_url}{PATH}?user_id={alice.user_id}", headers=bob.headers, timeout=10)
    assert prefs(sneaky.json())[("marketing", "email")] is False


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": [{"category": "orders", "channel": "email", "enabled": "no"}]},
        {"preferences": [{"category": "spam", "channel": "email", "enabled": True}]},
        {"preferences": [{"category": "orders", "channel": "pigeon", "enabled": True}]},
        {"preferences": [{"category": "orders", "channel": "email", "enabled": True, "user_id": "x"}]},
        {"preferences": []},
        {"prefs": []},
        [],
    ],
    ids=["string-bool", "unknown-category", "unknown-channel", "extra-field", "empty", "wrong-key", "array"],
)
def test_given_a_malformed_body_then_400_in_the_api_error_shape(cloud: LocalCloud, member, body: Any) -> None:
    user = member()
    response = requests.put(f"{cloud.api_url}{PATH}", json=body, headers=user.headers, timeout=10)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "INVALID_REQUEST"


def test_given_invalid_json_then_400(cloud: LocalCloud, member) -> None:
    user = member()
    response = requests.put(
        f"{cloud.api_url}{PATH}",
        data="{nope",
        headers={**user.headers, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert "error" in response.json()


def test_given_the_same_preference_twice_then_400(cloud: LocalCloud, member) -> None:
    user = member()
    twice = {"preferences": [{"category": "orders", "channel": "sms", "enabled": v} for v in (True, False)]}
    response = requests.put(f"{cloud.api_url}{PATH}", json=twice, headers=user.headers, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == "DUPLICATE_PREFERENCE"


def test_given_no_token_then_401(cloud: LocalCloud) -> None:
    assert requests.get(f"{cloud.api_url}{PATH}", timeout=10).status_code == 401
    assert requests.put(f"{cloud.api_url}{PATH}", json={"preferences": []}, timeout=10).status_code == 401


def test_given_a_user_without_a_profile_when_changing_then_404(
    cloud: LocalCloud, make_user, pg_clean
) -> None:
    user = make_user()
    change = {"preferences": [{"category": "orders", "channel": "email", "enabled": False}]}
    response = requests.put(f"{cloud.api_url}{PATH}", json=change, headers=user.headers, timeout=10)
    assert response.status_code == 404 and response.json()["error"]["code"] == "PROFILE_NOT_FOUND"


def test_given_the_openapi_document_then_both_operations_and_their_models_are_described() -> None:
    # the module's part of GET /openapi.json, merged as the openapi function merges every module
    from lambdas.api import notification_preferences
    from lambdas.api.openapi import merge
    from stacks.topology import TOPOLOGY, api_modules

    assert "lambdas.api.notification_preferences" in api_modules(TOPOLOGY)
    document = merge({"notification_preferences": notification_preferences.app}, set())
    operations = document["paths"][PATH]
    assert {"get", "put"} <= set(operations)
    assert operations["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "PreferencesUpdate"
    )
    assert "ACCOUNT_NOTIFICATIONS_REQUIRED" in operations["put"]["responses"]["400"]["description"]
    assert operations["put"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Preferences"
    )
    assert {"Preferences", "Preference", "PreferencesUpdate"} <= set(document["components"]["schemas"])
    assert operations["get"]["security"] == [{"cognito": []}]
