"""Steps of the fee_calculation state machine."""
