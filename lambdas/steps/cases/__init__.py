"""The case_resolution state machine's steps (one module per state)."""
