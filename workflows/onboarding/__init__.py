"""Seller onboarding: a buyer becomes a seller through a Stripe Connect Express account.

``POST /sellers`` checks what the platform needs first (a confirmed email, a verified phone, an
address), records the onboarding and starts the seller_onboarding state machine, whose
execution is named by the onboarding id. Its steps create the connected account, give the
seller Stripe's hosted onboarding link, wait for Stripe's ``account.updated`` events (with a
reminder and an expiry) and, once charges and payouts are enabled, make the user a seller.

The records and the pure rules are in :mod:`.model`, the ports in :mod:`.ports`, the use cases
in :mod:`.service`.
"""
