"""Stripe's error responses: one exception carries the status and the ``error`` body."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """Raised anywhere in the stand-in; rendered as ``{"error": {...}}`` with ``status``.

    ``saved`` says whether an idempotency key records this outcome: Stripe saves the result of
    any request that started executing, but not one whose parameters failed validation.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        saved: bool = True,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.saved = saved
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = DOCS + self.code.replace("_", "-")
        if self.param is not None:
            error["param"] = self.param
        if self.decline_code is not None:
            error["decline_code"] = self.decline_code
        error.update(self.extra)
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeError:
    """A 400 for a request that is well-formed but not allowed in the current state."""
    return StripeError(400, message, code=code, param=param)


def bad_param(message: str, *, param: str, code: str = "parameter_invalid") -> StripeError:
    """A 400 for a parameter that failed validation (not recorded under an idempotency key)."""
    return StripeError(400, message, code=code, param=param, saved=False)


def missing(param: str) -> StripeError:
    return StripeError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param, saved=False
    )


def no_such(kind: str, object_id: str, *, param: str = "id") -> StripeError:
    return StripeError(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param, saved=False
    )


def api_error(status: int = 500) -> StripeError:
    if status == 429:
        return StripeError(
            429,
            "Request rate limit exceeded. Learn more about rate limits here "
            "https://stripe.com/docs/rate-limits.",
            code="rate_limit",
            saved=False,
        )
    return StripeError(
        status,
        "An unknown error occurred while processing your request. Please try again.",
        type_="api_error",
        saved=False,
    )
