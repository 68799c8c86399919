"""What the seller-onboarding API answers: the caller's onboarding, and a fresh onboarding link."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from workflows.onboarding.model import STATUS_URL, OnboardingStatus
from workflows.shared.views import Timestamp, View

if TYPE_CHECKING:
    from workflows.onboarding.model import Onboarding


class SellerOnboardingView(View):
    """The caller's onboarding, as ``POST /sellers`` and ``GET /sellers/me`` answer it."""

    onboarding_id: str = Field(description="The id of the onboarding (and of its workflow execution)")
    status: OnboardingStatus
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: list[str] = Field(description="What Stripe still needs from the seller")
    disabled_reason: str | None = Field(description="Stripe's reason, e.g. 'rejected.fraud'")
    country: str
    business_type: Literal["individual", "company"]
    default_currency: str
    onboarding_url: str | None = Field(
        description="Stripe's hosted onboarding page (short-lived; POST /sellers/me/onboarding-link "
        "gives a fresh one); null until the workflow has made it"
    )
    onboarding_url_expires_at: Timestamp | None
    expires_at: Timestamp | None = Field(description="When an unfinished onboarding expires")
    status_url: str = Field(default=STATUS_URL, description="Where to poll the onboarding")
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, onboarding: Onboarding) -> SellerOnboardingView:
        unfinished = onboarding.status in {"onboarding", "restricted"} and onboarding.activated_at is None
        return cls(
            onboarding_id=onboarding.onboarding_id,
            status=onboarding.status,
            charges_enabled=onboarding.charges_enabled,
            payouts_enabled=onboarding.payouts_enabled,
            details_submitted=onboarding.details_submitted,
            requirements_due=list(onboarding.requirements_due),
            disabled_reason=onboarding.disabled_reason,
            country=onboarding.country,
            business_type=onboarding.business_type,
            default_currency=onboarding.default_currency,
            onboarding_url=onboarding.onboarding_url,
            onboarding_url_expires_at=onboarding.onboarding_url_expires_at,
            expires_at=onboarding.expire_at if unfinished else None,
            created_at=onboarding.created_at,
            updated_at=onboarding.updated_at,
        )


class OnboardingLink(View):
    onboarding_id: str
    onboarding_url: str
    expires_at: Timestamp
