"""Steps of the payout state machine (statemachines/payout.json), one module per state."""
