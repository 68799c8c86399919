"""Steps of the checkout state machine (statemachines/checkout.json), one module per state."""
