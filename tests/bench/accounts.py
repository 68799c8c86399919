"""Accounts latencies through the local API: sign-up, login and GET /me (p50/p95 over 200 calls).

``make bench ONLY=accounts``. Each call goes over HTTP to the gateway emulator, which runs the
real handler in-process against moto's Cognito, the local PostgreSQL and the SNS topic.
"""

from __future__ import annotations

import statistics
import time
import uuid
from typing import TYPE_CHECKING

import requests

from tests.api.accounts_support import PASSWORD, wait_for_code

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.runtime import LocalCloud

CALLS = 200


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _measure(name: str, call: Callable[[int], requests.Response], expected: int) -> str:
    latencies = []
    for n in range(CALLS):
        started = time.perf_counter()
        response = call(n)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expected, response.text
    return (
        f"{name:<22} ({CALLS} calls): p50 {_percentile(latencies, 50):6.1f} ms, "
        f"p95 {_percentile(latencies, 95):6.1f} ms, mean {statistics.fmean(latencies):6.1f} ms"
    )


def run(cloud: LocalCloud) -> list[str]:
    session = requests.Session()
    api = cloud.api_url
    run_id = uuid.uuid4().hex[:8]

    def sign_up(n: int) -> requests.Response:
        body = {"email": f"bench-{run_id}-{n}@example.com", "password": PASSWORD, "name": "Bench"}
        return session.post(f"{api}/auth/signup", json=body, timeout=30)

    # warm up (cold start of each function), and the user the login and /me calls use
    email = f"bench-{run_id}-user@example.com"
    assert (
        session.post(
            f"{api}/auth/signup", json={"email": email, "password": PASSWORD, "name": "Bench"}, timeout=30
        ).status_code
        == 201
    )
    code = wait_for_code(cloud, email)
    assert (
        session.post(f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=30).status_code
        == 200
    )
    login = {"email": email, "password": PASSWORD}
    tokens = session.post(f"{api}/auth/login", json=login, timeout=30).json()
    auth = {"Authorization": f"Bearer {tokens['id_token']}"}
    assert session.get(f"{api}/me", headers=auth, timeout=30).status_code == 200

    return [
        _measure("POST /auth/signup", sign_up, 201),
        _measure(
            "POST /auth/login", lambda _: session.post(f"{api}/auth/login", json=login, timeout=30), 200
        ),
        _measure("GET /me", lambda _: session.get(f"{api}/me", headers=auth, timeout=30), 200),
    ]
