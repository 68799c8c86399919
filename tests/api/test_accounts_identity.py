"""Sign-up, email confirmation, login and refresh through the local API (issue 4, part 1)."""

from __future__ import annotations

import psycopg
import pytest

from local.runtime import LocalCloud
from tests.api.accounts_support import (
    PASSWORD,
    call,
    codes_emailed,
    confirmed_user,
    new_email,
    post,
    sign_up,
    wait_for_code,
)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_given_a_new_user_when_signing_up_confirming_with_the_emailed_code_and_logging_in_then_get_me_works(
    cloud: LocalCloud, unique: str
) -> None:
    email = new_email(unique)
    # Given a sign-up
    created = sign_up(cloud, email, name="Ann Example", phone="+14155550123")
    assert created.status_code == 201, created.text
    user_id = created.json()["user_id"]
    # When the code from the outbox is confirmed and the user logs in
    code = wait_for_code(cloud, email)
    confirmed = post(cloud, "/auth/confirm", {"email": email, "code": code})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {"user_id": user_id, "email_verified": True}
    tokens = post(cloud, "/auth/login", {"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert {"id_token", "access_token", "refresh_token", "expires_in"} <= set(body)
    # Then GET /me is the profile, a buyer, with an unverified phone
    me = call(cloud, "GET", "/me", token=body["id_token"])
    assert me.status_code == 200, me.text
    assert me.json() == {
        "user_id": user_id,
        "email": email,
        "name": "Ann Example",
        "phone": "+14155550123",
        "phone_verified": False,
        "roles": ["buyer"],
        "seller_status": "none",
        "unread_messages": 0,
    }


def test_given_the_email_in_another_case_when_signing_up_then_it_is_the_same_account(
    cloud: LocalCloud, unique: str
) -> None:
    email = new_email(unique)
    assert sign_up(cloud, email).status_code == 201
    again = sign_up(cloud, email.upper())
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "EMAIL_TAKEN"


def test_given_an_unconfirmed_user_when_logging_in_then_403_user_not_confirmed(
    cloud: LocalCloud, unique: str
) -> None:
    email = new_email(unique)
    assert sign_up(cloud, email).status_code == 201
    response = post(cloud, "/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "USER_NOT_CONFIRMED"


def test_given_a_wrong_password_or_unknown_email_when_logging_in_then_401_invalid_credentials(
    cloud: LocalCloud, unique: str
) -> None:
    user = confirmed_user(cloud, new_email(unique))
    wrong = post(cloud, "/auth/login", {"email": user["email"], "password": PASSWORD + "x"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "INVALID_CREDENTIALS"
    unknown = post(cloud, "/auth/login", {"email": new_email(), "password": PASSWORD})
    assert unknown.status_code == 401
    assert unknown.json()["error"]["code"] == "INVALID_CREDENTIALS"


def test_given_a_weak_password_when_signing_up_then_400_invalid_password_naming_the_policy(
    cloud: LocalCloud, unique: str
) -> None:
    response = sign_up(cloud, new_email(unique), password="weak")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_PASSWORD"
    assert "at least" in error["message"] and "characters" in error["message"]


def test_given_a_wrong_code_then_400_code_mismatch_and_the_right_code_still_works(
    cloud: LocalCloud, unique: str
) -> None:
    email = new_email(unique)
    assert sign_up(cloud, email).status_code == 201
    code = wait_for_code(cloud, email)
    wrong = post(cloud, "/auth/confirm", {"email": email, "code": _wrong(code)})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "CODE_MISMATCH"
    assert wrong.json()["error"]["details"] == {"attempts_left": 4}
    assert post(cloud, "/auth/confirm", {"email": email, "code": code}).status_code == 200
    again = post(cloud, "/auth/confirm", {"email": email, "code": code})
    assert again.status_code == 409 and again.json()["error"]["code"] == "ALREADY_CONFIRMED"


def test_given_five_wrong_codes_then_429_locked_even_for_the_right_code_until_a_resend(
    cloud: LocalCloud, unique: str
) -> None:
    email = new_email(unique)
    assert sign_up(cloud, email).status_code == 201
    code = wait_for_code(cloud, email)
    statuses = [
        post(cloud, "/auth/confirm", {"email": email, "code": _wrong(code)}).status_code for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    locked = post(cloud, "/auth/confirm", {"email": email, "code": code})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
    # When a new code is sent, then the old one is dead and the new one works
    assert post(cloud, "/auth/resend-code", {"email": email}).status_code == 202
    new_code = wait_for_code(cloud, email, count=2)
    if new_code != code:
        stale = post(cloud, "/auth/confirm", {"email": email, "code": code})
        assert stale.status_code == 400 and stale.json()["error"]["code"] == "CODE_MISMATCH"
    assert post(cloud, "/auth/confirm", {"email": email, "code": new_code}).status_code == 200


def test_given_an_expired_code_then_400_code_expired(cloud: LocalCloud, pg_url: str, unique: str) -> None:
    email = new_email(unique)
    created = sign_up(cloud, email)
    assert created.status_code == 201
    code = wait_for_code(cloud, email)
    # Given the code's fifteen minutes have passed (on the local cloud's clock, the handlers')
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE email_confirmations SET expires_at = to_timestamp(%s) WHERE user_id = %s",
            (cloud.clock.now() - 1, created.json()["user_id"]),
        )
    response = post(cloud, "/auth/confirm", {"email": email, "code": code})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "CODE_EXPIRED"


def test_given_resends_when_more_than_five_codes_an_hour_then_429(cloud: LocalCloud, unique: str) -> None:
    email = new_email(unique)
    assert sign_up(cloud, email).status_code == 201  # the first code of the hour
    statuses = [post(cloud, "/auth/resend-code", {"email": email}).status_code for _ in range(5)]
    assert statuses == [202, 202, 202, 202, 429]
    limited = post(cloud, "/auth/resend-code", {"email": email})
    assert limited.json()["error"]["code"] == "RESEND_LIMIT_REACHED"
    assert limited.json()["error"]["details"]["retry_after_seconds"] > 0


def test_given_an_unknown_email_when_resending_then_202_and_nothing_is_sent(cloud: LocalCloud) -> None:
    email = new_email()
    assert post(cloud, "/auth/resend-code", {"email": email}).status_code == 202
    assert codes_emailed(cloud, email) == []
    assert post(cloud, "/auth/confirm", {"email": email, "code": "123456"}).status_code == 400


def test_given_a_refresh_token_then_new_tokens_and_a_bad_one_is_401(cloud: LocalCloud, unique: str) -> None:
    user = confirmed_user(cloud, new_email(unique))
    refreshed = post(cloud, "/auth/refresh", {"refresh_token": user["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert call(cloud, "GET", "/me", token=refreshed.json()["id_token"]).status_code == 200
    bad = post(cloud, "/auth/refresh", {"refresh_token": "not-a-refresh-token"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "INVALID_REFRESH_TOKEN"


def test_given_a_sign_up_then_the_user_is_only_a_buyer_and_cannot_ask_for_more(
    cloud: LocalCloud, unique: str
) -> None:
    smuggled = sign_up(cloud, new_email(unique), roles=["admin"], groups=["seller"])
    assert smuggled.status_code == 400  # unknown fields are refused, not ignored
    user = confirmed_user(cloud, new_email())
    assert call(cloud, "GET", "/me", token=user["id_token"]).json()["roles"] == ["buyer"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/signup", {"email": "not-an-email", "password": PASSWORD, "name": "A"}),
        ("/auth/signup", {"email": "a@example.com", "password": PASSWORD}),
        ("/auth/signup", {"email": "a@example.com", "password": 12345678901, "name": "A"}),
        ("/auth/signup", {"email": "a@example.com", "password": PASSWORD, "name": 1.5}),
        ("/auth/signup", {"email": "a@example.com", "password": PASSWORD, "name": "A", "phone": "0123"}),
        ("/auth/signup", ["a", "list"]),
        ("/auth/confirm", {"email": "a@example.com", "code": 123456}),
        ("/auth/confirm", {"email": "a@example.com", "code": "12ab56"}),
        ("/auth/login", {"email": "a@example.com"}),
        ("/auth/refresh", {"refresh_token": ""}),
        ("/auth/resend-code", {}),
    ],
)
def test_given_bad_input_then_400_with_field_details_never_500(cloud: LocalCloud, path: str, body) -> None:
    response = post(cloud, path, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "INVALID_REQUEST"
    assert error["details"]["fields"]


@pytest.mark.parametrize("path", ["/auth/signup", "/auth/confirm", "/auth/login", "/auth/refresh"])
def test_given_malformed_json_then_400(cloud: LocalCloud, path: str) -> None:
    response = post(cloud, path, data="{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_JSON"  # as the gateway's workflow routes say it
