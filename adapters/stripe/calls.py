"""What every Stripe adapter does around a call: Stripe's transient failures become retryable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import stripe

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Callable

#: Stripe's status for a request whose idempotency key another request is still executing with
_IN_PROGRESS = 409


def stripe_call(operation: Callable[[], Any]) -> Any:
    """Stripe's transient failures as ``TransientError`` (retried); a bad request stays Stripe's error.

    Transient: no connection, rate limits, Stripe's own errors, and the 409 ``idempotency_error``
    of a request racing another with the same key (the retry gets the first one's saved result).
    The 400 ``idempotency_error`` (the key reused with other parameters) stays an error: a retry
    would fail the same way.
    """
    try:
        return operation()
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        raise TransientError(f"Stripe: {exc.user_message or exc}") from exc
    except stripe.IdempotencyError as exc:
        if exc.http_status == _IN_PROGRESS:
            raise TransientError(f"Stripe: {exc.user_message or exc}") from exc
        raise
