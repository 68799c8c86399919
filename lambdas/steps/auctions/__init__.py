"""Steps of the auction state machine (statemachines/auction.json), one module per state."""
