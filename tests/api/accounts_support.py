"""Helpers for the accounts API tests: sign up through the API, read the emailed code."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from local.runtime import LocalCloud

PASSWORD = "Str0ng-passw0rd!"
_CODE = re.compile(r"\b(\d{6})\b")


def new_email(unique: str | None = None) -> str:
    return f"acct-{unique or uuid.uuid4().hex[:12]}@example.com"


def post(cloud: LocalCloud, path: str, body: Any = None, *, token: str | None = None, **kwargs: Any):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return requests.post(f"{cloud.api_url}{path}", json=body, headers=headers, timeout=15, **kwargs)


def call(cloud: LocalCloud, method: str, path: str, *, token: str | None = None, **kwargs: Any):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return requests.request(method, f"{cloud.api_url}{path}", headers=headers, timeout=15, **kwargs)


def codes_emailed(cloud: LocalCloud, email: str) -> list[str]:
    """Confirmation codes emailed to ``email``, newest first (from the outbox)."""
    found = []
    for message in cloud.outbox.list(to=email, channel="email"):
        match = _CODE.search(message.body)
        if match and "code" in (message.subject or "").lower() + message.body.lower():
            found.append(match.group(1))
    return found


def wait_for_code(cloud: LocalCloud, email: str, *, count: int = 1, timeout_s: float = 15.0) -> str:
    """The newest code once at least ``count`` codes reached ``email``'s inbox in the outbox."""
    cloud.wait_until(
        lambda: len(codes_emailed(cloud, email)) >= count,
        timeout_s=timeout_s,
        what=f"confirmation email #{count} to {email}",
    )
    return codes_emailed(cloud, email)[0]


def sign_up(
    cloud: LocalCloud, email: str, *, name: str = "Ann Example", password: str = PASSWORD, **extra: Any
):
    return post(cloud, "/auth/signup", {"email": email, "password": password, "name": name, **extra})


def confirmed_user(cloud: LocalCloud, email: str, *, name: str = "Ann Example") -> dict[str, Any]:
    """Sign up, confirm with the emailed code, log in: ``{"user_id", "email", **tokens}``."""
    created = sign_up(cloud, email, name=name)
    assert created.status_code == 201, created.text
    code = wait_for_code(cloud, email)
    confirmed = post(cloud, "/auth/confirm", {"email": email, "code": code})
    assert confirmed.status_code == 200, confirmed.text
    tokens = post(cloud, "/auth/login", {"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return {"user_id": created.json()["user_id"], "email": email, **tokens.json()}
