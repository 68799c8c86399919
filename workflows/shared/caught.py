"""An error a state machine caught, as the domain reads it.

A ``Catch`` writes ``{Error, Cause}`` into the execution's document (:class:`CaughtErrorDoc`, the
wire shape the step contracts declare); what the ``Cause`` holds depends on who failed (a Lambda
error document, a nested execution's description, a plain sentence). The adapter layer parses it
(``adapters.aws.stepfunctions.caught_error``) into :class:`CaughtError`, so that a workflow reads
a name and a message, never a vendor's document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflows.shared.contracts import StepModel


class CaughtErrorDoc(StepModel):
    """What a ``Catch`` (or a Pass standing for one) writes: the error's name and its cause."""

    Error: str
    Cause: str | None = None


@dataclass(frozen=True)
class CaughtError:
    """The error a step (or a nested execution's step) failed with."""

    #: the error name: the Python class name of a project error, or a Step Functions / Lambda name
    name: str
    #: the failing handler's own message (never its stack trace); "" when there is none
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
