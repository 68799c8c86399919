"""Steps of the seller_onboarding state machine, one module per state."""
