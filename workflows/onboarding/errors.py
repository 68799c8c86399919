"""What can go wrong in seller onboarding, each with its stable API code (the class decides the status).

The class names are also the error names the seller_onboarding state machine sees.
"""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, DomainError, NotFound
from workflows.shared.identity import Forbidden


class SellerRequirementsMissing(Conflict):
    """The profile lacks what selling needs; ``details.missing`` lists it."""

    code = "SELLER_REQUIREMENTS_MISSING"


class SellerAlreadyActive(Conflict):
    code = "SELLER_ALREADY_ACTIVE"


class SellerRejected(Conflict):
    """Stripe rejected the connected account: a new onboarding would not go differently."""

    code = "SELLER_REJECTED"


class SellerRestricted(Forbidden):
    """Stripe restricted the seller's account (charges or payouts disabled): no new listings until
    what Stripe requires is given (``GET /sellers/me`` says what; ``POST /sellers/me/onboarding-link``
    opens Stripe's page to give it)."""

    code = "SELLER_RESTRICTED"


class OnboardingNotFound(NotFound):
    """No onboarding of the caller (someone else's is never shown)."""

    code = "SELLER_ONBOARDING_NOT_FOUND"


class OnboardingNotReady(Conflict):
    """The connected account is not created yet: ask again in a moment."""

    code = "SELLER_ONBOARDING_NOT_READY"


class OnboardingEnded(Conflict):
    """The onboarding expired, failed or was rejected: start a new one with POST /sellers."""

    code = "SELLER_ONBOARDING_ENDED"


class OnboardingExists(DomainError):
    """Another onboarding of the same user is live (a concurrent POST /sellers won)."""

    code = "SELLER_ONBOARDING_EXISTS"


class UnknownOnboarding(ContractError):
    """A step was given an onboarding id that is not stored (a bug, never retried)."""

    code = "UNKNOWN_ONBOARDING"


class ConnectedAccountRefused(DomainError):
    """Stripe refused to create the connected account (an unsupported country, say)."""

    code = "CONNECTED_ACCOUNT_REFUSED"


class IdempotencyKeyReused(ContractError):
    """The same Idempotency-Key came with a different body (422)."""

    code = "IDEMPOTENCY_KEY_REUSED"
