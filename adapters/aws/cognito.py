"""Cognito user pool: sign-up, confirmation, groups, login and refresh.

Implements ``workflows.accounts.ports.Directory``. Users are addressed by their ``sub``: in a
pool whose username attribute is the email, Cognito's username *is* the sub, and the admin
operations accept it (the local stand-in, moto, also finds users by it).

On AWS, the pool must not send Cognito's own verification messages (no ``AutoVerifiedAttributes``,
or a custom email sender trigger that drops them): the confirmation code that counts is ours,
sent through the notification pipeline and confirmed here with ``AdminConfirmSignUp``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from workflows.accounts.errors import (
    ChallengeRequired,
    EmailTaken,
    InvalidCredentials,
    InvalidPassword,
    InvalidRefreshToken,
    PasswordResetRequired,
    UserNotConfirmed,
)
from workflows.accounts.views import Tokens
from workflows.shared.errors import ContractError, TransientError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from botocore.client import BaseClient

_TRANSIENT = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "InternalErrorException", "ServiceUnavailable"}
)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", "")) or _code(error)


class CognitoDirectory:
    def __init__(self, client: BaseClient, *, user_pool_id: str, client_id: str) -> None:
        self._client = client
        self._pool = user_pool_id
        self._app_client = client_id
        self._policy_words: str | None = None

    # -- Directory ---------------------------------------------------------------------------

    def sign_up(self, email: str, password: str, *, name: str) -> str:
        try:
            result = self._call(
                self._client.sign_up,
                ClientId=self._app_client,
                Username=email,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
            )
        except ClientError as exc:
            code = _code(exc)
            if code == "UsernameExistsException":
                raise EmailTaken("An account with this email address exists.") from exc
            if code == "InvalidPasswordException":
                raise InvalidPassword(
                    f"The password does not satisfy the password policy: {self.password_policy()}.",
                    details={"fields": [{"field": "password", "problem": self.password_policy()}]},
                ) from exc
            if code == "InvalidParameterException":
                raise ContractError(_message(exc)) from exc
            raise
        return str(result["UserSub"])

    def add_to_group(self, user_id: str, group: str) -> None:
        self._call(
            self._client.admin_add_user_to_group, UserPoolId=self._pool, Username=user_id, GroupName=group
        )

    def remove_from_group(self, user_id: str, group: str) -> None:
        # Cognito answers a non-member's removal with success: idempotent as it is
        self._call(
            self._client.admin_remove_user_from_group,
            UserPoolId=self._pool,
            Username=user_id,
            GroupName=group,
        )

    def confirm(self, user_id: str) -> None:
        try:
            self._call(self._client.admin_confirm_sign_up, UserPoolId=self._pool, Username=user_id)
        except ClientError as exc:
            # Cognito refuses to confirm a confirmed user: a retried confirmation is done already
            if _code(exc) != "NotAuthorizedException":
                raise
        self._call(
            self._client.admin_update_user_attributes,
            UserPoolId=self._pool,
            Username=user_id,
            UserAttributes=[{"Name": "email_verified", "Value": "true"}],
        )

    def login(self, email: str, password: str) -> Tokens:
        try:
            result = self._call(
                self._client.initiate_auth,
                ClientId=self._app_client,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as exc:
            code = _code(exc)
            if code in ("NotAuthorizedException", "UserNotFoundException"):
                raise InvalidCredentials("Wrong email or password.") from exc
            if code == "UserNotConfirmedException":
                raise UserNotConfirmed(
                    "Confirm the email address first (POST /auth/confirm with the emailed code)."
                ) from exc
            if code == "PasswordResetRequiredException":
                raise PasswordResetRequired("The password must be reset.") from exc
            raise
        return _tokens(result, refresh_token=None)

    def refresh(self, refresh_token: str) -> Tokens:
        try:
            result = self._call(
                self._client.initiate_auth,
                ClientId=self._app_client,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )
        except ClientError as exc:
            if _code(exc) in ("NotAuthorizedException", "UserNotFoundException", "ResourceNotFoundException"):
                raise InvalidRefreshToken(
                    "The refresh token is not valid (expired, revoked or from elsewhere); log in again."
                ) from exc
            raise
        return _tokens(result, refresh_token=refresh_token)

    def set_name(self, user_id: str, name: str) -> None:
        self._call(
            self._client.admin_update_user_attributes,
            UserPoolId=self._pool,
            Username=user_id,
            UserAttributes=[{"Name": "name", "Value": name}],
        )

    # -- the pool's password policy, in words --------------------------------------------------

    def password_policy(self) -> str:
        if self._policy_words is None:
            pool = self._call(self._client.describe_user_pool, UserPoolId=self._pool)["UserPool"]
            policy = pool.get("Policies", {}).get("PasswordPolicy", {})
            self._policy_words = policy_in_words(policy)
        return self._policy_words

    # -- calls -------------------------------------------------------------------------------

    @staticmethod
    def _call(operation: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        try:
            return operation(**kwargs)
        except ClientError as exc:
            if _code(exc) in _TRANSIENT:
                raise TransientError(f"Cognito: {_message(exc)}") from exc
            raise
        except (ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"Cognito: {exc}") from exc


def _tokens(result: dict[str, Any], *, refresh_token: str | None) -> Tokens:
    auth = result.get("AuthenticationResult")
    if not auth:
        challenge = str(result.get("ChallengeName", "UNKNOWN"))
        raise ChallengeRequired(
            f"Logging in needs the {challenge} challenge, which this API does not offer.",
            details={"challenge": challenge},
        )
    return Tokens(
        id_token=auth["IdToken"],
        access_token=auth["AccessToken"],
        refresh_token=auth.get("RefreshToken") or refresh_token,
        expires_in=int(auth["ExpiresIn"]),
    )


def policy_in_words(policy: dict[str, Any]) -> str:
    """``{"MinimumLength": 12, "RequireSymbols": True, ...}`` → "at least 12 characters, ..."."""

    def parts() -> Iterator[str]:
        yield f"at least {int(policy.get('MinimumLength', 8))} characters"
        for key, words in (
            ("RequireLowercase", "a lowercase letter"),
            ("RequireUppercase", "an uppercase letter"),
            ("RequireNumbers", "a digit"),
            ("RequireSymbols", "a symbol"),
        ):
            if policy.get(key):
                yield words

    items = list(parts())
    if len(items) == 1:
        return items[0]
    return f"{items[0]}, with " + ", ".join(items[1:-1]) + (" and " if len(items) > 2 else "") + items[-1]
