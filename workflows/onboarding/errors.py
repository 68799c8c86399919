"""What can go wrong in seller onboarding, each with its stable API code (the class decides the status).

The class names are also the error names the seller_onboarding state machine sees.
"""

from __future__ import annotations

from workflows.shared.errors import Conflict, DomainError, Forbidden, NotFound


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
    """No such onboarding: the caller has none (someone else's is never shown), or a step was given
    an onboarding id or an account event that matches none stored (a bug: never retried)."""

    code = "SELLER_ONBOARDING_NOT_FOUND"


class OnboardingNotReady(Conflict):
    """The connected account (or the deadlines its creation sets) is not created yet: ask again in
    a moment; a step that finds it so was run out of order (never retried)."""

    code = "SELLER_ONBOARDING_NOT_READY"


class OnboardingEnded(Conflict):
    """The onboarding expired, failed or was rejected: start a new one with POST /sellers."""

    code = "SELLER_ONBOARDING_ENDED"


class OnboardingExists(DomainError):
    """Another onboarding of the same user is live (a concurrent POST /sellers won)."""

    code = "SELLER_ONBOARDING_EXISTS"


class ConnectedAccountRefused(DomainError):
    """Stripe refused to create the connected account (an unsupported country, say)."""

    code = "CONNECTED_ACCOUNT_REFUSED"
