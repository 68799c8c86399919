"""Phone verification with Twilio Verify through the local API (codes read from the SMS outbox)."""

from __future__ import annotations

import random
import re

from local.runtime import LocalCloud
from tests.api.accounts_support import call, post

_CODE = re.compile(r"\b(\d{4,10})\b")


def _phone() -> str:
    return f"+1415{random.randrange(10**6, 10**7)}"


def _sms_code(cloud: LocalCloud, phone: str, *, count: int = 1) -> str:
    cloud.wait_until(lambda: len(cloud.outbox.list(to=phone, channel="sms")) >= count, what=f"SMS to {phone}")
    match = _CODE.search(cloud.outbox.list(to=phone, channel="sms")[0].body)
    assert match, "no code in the SMS"
    return match.group(1)


def _user_with_phone(cloud: LocalCloud, make_user) -> tuple[object, str]:
    user, phone = make_user(), _phone()
    assert call(cloud, "PATCH", "/me", token=user.id_token, json={"phone": phone}).status_code == 200
    return user, phone


def test_given_a_phone_when_the_sms_code_is_checked_then_the_phone_is_verified(
    cloud: LocalCloud, make_user
) -> None:
    user, phone = _user_with_phone(cloud, make_user)
    started = post(cloud, "/me/phone/verification", token=user.id_token)
    assert started.status_code == 202, started.text
    assert started.json() == {"phone": phone, "status": "pending"}
    code = _sms_code(cloud, phone)
    wrong = post(
        cloud,
        "/me/phone/verification/check",
        {"code": "0000" if code != "0000" else "1111"},
        token=user.id_token,
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "CODE_MISMATCH"
    checked = post(cloud, "/me/phone/verification/check", {"code": code}, token=user.id_token)
    assert checked.status_code == 200, checked.text
    assert checked.json() == {"phone": phone, "phone_verified": True}
    assert call(cloud, "GET", "/me", token=user.id_token).json()["phone_verified"] is True
    # a verified phone is not sent another code; a new number is unverified again
    assert post(cloud, "/me/phone/verification", token=user.id_token).status_code == 409
    changed = call(cloud, "PATCH", "/me", token=user.id_token, json={"phone": _phone()})
    assert changed.json()["phone_verified"] is False


def test_given_no_phone_on_the_profile_then_409_no_phone(cloud: LocalCloud, make_user) -> None:
    user = make_user()
    response = post(cloud, "/me/phone/verification", token=user.id_token)
    assert response.status_code == 409 and response.json()["error"]["code"] == "NO_PHONE"
    check = post(cloud, "/me/phone/verification/check", {"code": "123456"}, token=user.id_token)
    assert check.status_code == 409 and check.json()["error"]["code"] == "NO_PHONE"


def test_given_too_many_sends_to_one_number_then_429(cloud: LocalCloud, make_user) -> None:
    user, _ = _user_with_phone(cloud, make_user)
    statuses = [post(cloud, "/me/phone/verification", token=user.id_token).status_code for _ in range(6)]
    assert statuses == [202] * 5 + [429]


def test_given_too_many_wrong_codes_then_429_and_the_phone_stays_unverified(
    cloud: LocalCloud, make_user
) -> None:
    user, phone = _user_with_phone(cloud, make_user)
    assert post(cloud, "/me/phone/verification", token=user.id_token).status_code == 202
    code = _sms_code(cloud, phone)
    wrong = "0000" if code != "0000" else "1111"
    statuses = [
        post(cloud, "/me/phone/verification/check", {"code": wrong}, token=user.id_token).status_code
        for _ in range(5)
    ]
    assert statuses[:4] == [400] * 4 and statuses[4] == 429
    # the verification is gone: even the right code no longer works
    late = post(cloud, "/me/phone/verification/check", {"code": code}, token=user.id_token)
    assert late.status_code == 400 and late.json()["error"]["code"] == "CODE_EXPIRED"
    assert call(cloud, "GET", "/me", token=user.id_token).json()["phone_verified"] is False


def test_given_a_malformed_code_then_400(cloud: LocalCloud, make_user) -> None:
    user, _ = _user_with_phone(cloud, make_user)
    for body in ({"code": 123456}, {"code": "abc"}, {}, {"code": "123456", "phone": "+15550000000"}):
        response = post(cloud, "/me/phone/verification/check", body, token=user.id_token)
        assert response.status_code == 400, (body, response.text)
