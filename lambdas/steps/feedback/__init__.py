"""The feedback_window state machine's steps (``statemachines/feedback_window.json``)."""
