"""The local cloud's AWS stand-in: moto in-process with in-process Lambda and Step Functions.

See :class:`local.cloud.aws.LocalAws` for the entry point and :mod:`local.cloud.clock` for time.
"""

from __future__ import annotations

from local.cloud.aws import LocalAws
from local.cloud.clock import Clock, ScaledClock, VirtualClock
from local.cloud.functions import FunctionRegistry, InvocationResult, LambdaContext

__all__ = [
    "Clock",
    "FunctionRegistry",
    "InvocationResult",
    "LambdaContext",
    "LocalAws",
    "ScaledClock",
    "VirtualClock",
]
