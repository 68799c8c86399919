"""What every Stripe adapter does around a call: Stripe's transient failures become retryable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import stripe

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Callable


def stripe_call(operation: Callable[[], Any]) -> Any:
    """Stripe's transient failures as ``TransientError`` (retried); a bad request stays Stripe's error."""
    try:
        return operation()
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        raise TransientError(f"Stripe: {exc.user_message or exc}") from exc
