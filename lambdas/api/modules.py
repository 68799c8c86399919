"""Every API handler module (each has a module-level ``app`` resolver): the OpenAPI document is
generated from all of them. Add a module here when you add one."""

from __future__ import annotations

API_MODULES: tuple[str, ...] = (
    "lambdas.api.health",
    "lambdas.api.openapi",
)

# -- notifications
API_MODULES += ("lambdas.api.notification_preferences",)

# -- accounts
API_MODULES += ("lambdas.api.identity", "lambdas.api.profile", "lambdas.api.payment_methods")

# -- catalog
API_MODULES += ("lambdas.api.catalog", "lambdas.api.listings", "lambdas.api.watchlist")

# -- fees
API_MODULES += ("lambdas.api.fees",)

# -- cart
API_MODULES += ("lambdas.api.cart",)

# -- orders
API_MODULES += ("lambdas.api.orders",)

# -- checkout
API_MODULES += ("lambdas.api.checkout",)

# -- onboarding
API_MODULES += ("lambdas.api.sellers",)

# -- payouts (fulfilment, sellers' finance, the ledger for admins)
API_MODULES += ("lambdas.api.fulfilment", "lambdas.api.seller_finance", "lambdas.api.admin_ledger")

# -- webhooks (Stripe's signed webhooks)
API_MODULES += ("lambdas.api.webhooks",)
