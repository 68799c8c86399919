"""The platform's own process: the canary that checks the dependencies answer (``platform_canary``)."""
