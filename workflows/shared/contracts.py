"""Step contracts: what each state of a state machine passes its Lambda and gets back.

Each workflow package with a state machine declares ``CONTRACT`` in its ``contracts.py``: the
ASL file, the model of the execution's document (its input plus everything a ``ResultPath``
writes into it) and, per Lambda-backed state, the models of the step's input (the ``Payload``)
and output (what the handler returns). The handler parses its event with the input model and
returns the output model dumped as JSON; the service takes and returns the same models. A test
(``tests/unit/test_step_contracts.py``) reads every ASL file and checks its keys and paths
against these models, so a renamed key fails a unit test, not an end-to-end run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from collections.abc import Mapping


class StepModel(BaseModel):
    """Base of every step input and output: unknown keys are a contract break, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class StateContract:
    """One Task state's Lambda: the model of its ``Payload`` and of what it returns (None: nothing)."""

    input: type[BaseModel]
    output: type[BaseModel] | None = None


@dataclass(frozen=True)
class MachineContract:
    """A state machine's contract: its ASL file (in ``statemachines/``), its document, its steps."""

    asl: str
    data: type[BaseModel]
    states: Mapping[str, StateContract] = field(default_factory=dict)


class CaughtError(StepModel):
    """What a Catch writes at its ``ResultPath``: the error's name and, when there is one, its cause."""

    Error: str
    Cause: str | None = None
