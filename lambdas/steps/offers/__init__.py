"""Steps of the offer state machine (statemachines/offer.json), one module per state."""
