"""Handlers of the WebSocket API's routes (``stacks/capabilities/messaging.py``)."""
