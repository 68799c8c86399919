"""Steps of the missed-message state machine."""
