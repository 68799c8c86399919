"""Demo data for ``make dev`` and a local-only way to get an id token for a demo user."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from collections.abc import Iterable
    from wsgiref.types import StartResponse, WSGIEnvironment

    from local.runtime import LocalCloud

DEMO_PASSWORD = "Resale-demo-2026"  # noqa: S105 - a published demo password for the local cloud only


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    groups: tuple[str, ...]


DEMO_USERS = (
    DemoUser("buyer@resale.local", "Bea Buyer", ("buyer",)),
    DemoUser("seller@resale.local", "Sam Seller", ("buyer", "seller")),
    DemoUser("admin@resale.local", "Ada Admin", ("buyer", "admin")),
)


def seed(cloud: LocalCloud, *, sellers_onboard: bool = False) -> str:
    """Create the demo users (confirmed, with their groups); returns a one-line summary.

    ``sellers_onboard``: the ``seller`` group is left for seller onboarding to grant (``make dev``
    onboards the demo seller through the API, so that it has a connected account for payouts).
    """
    aws, provisioned = cloud.started()
    cognito = aws.client("cognito-idp")
    pool_id = provisioned.user_pool_id
    for user in DEMO_USERS:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=user.email,
            UserAttributes=[
                {"Name": "email", "Value": user.email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": user.name},
            ],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=user.email, Password=DEMO_PASSWORD, Permanent=True
        )
        for group in user.groups:
            if sellers_onboard and group == "seller":
                continue
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user.email, GroupName=group)
    return f"{len(DEMO_USERS)} demo users"


def login(cloud: LocalCloud, email: str, password: str) -> dict[str, Any]:
    """Cognito's USER_PASSWORD_AUTH against the local pool: id, access and refresh tokens."""
    aws, provisioned = cloud.started()
    result = aws.client("cognito-idp").initiate_auth(
        ClientId=provisioned.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]
    return {
        "id_token": result["IdToken"],
        "access_token": result["AccessToken"],
        "refresh_token": result.get("RefreshToken"),
        "expires_in": result["ExpiresIn"],
    }


class TokenApp:
    """``POST /_local/token`` {email, password} → tokens (local only; the API's login comes later)."""

    def __init__(self, cloud: LocalCloud) -> None:
        self._cloud = cloud

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        if request.method != "POST":
            return _json({"error": {"code": "METHOD_NOT_ALLOWED", "message": "Use POST."}}, 405)
        try:
            body = json.loads(request.get_data() or b"{}")
            email, password = str(body["email"]), str(body["password"])
        except (json.JSONDecodeError, KeyError, TypeError):
            return _json({"error": {"code": "INVALID_REQUEST", "message": "Send {email, password}."}}, 400)
        cognito = self._cloud.started()[0].client("cognito-idp")
        try:
            return _json(login(self._cloud, email, password), 200)
        except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.UserNotFoundException):
            return _json(
                {"error": {"code": "INVALID_CREDENTIALS", "message": "Wrong email or password."}}, 401
            )


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
