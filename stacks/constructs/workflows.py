"""Step Functions state machines: the ASL files of ``statemachines/``, inlined at synth."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from aws_cdk import Annotations, RemovalPolicy, Tags
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.constructs.log_retention import retention
from stacks.naming import LOGICAL_NAME_TAG, construct_id

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from stacks.topology import Ref, StateMachine

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def placeholders(definition: str) -> set[str]:
    """The ``${Key}`` placeholders an ASL text uses."""
    return set(_PLACEHOLDER.findall(definition))


class Workflows(Construct):
    """One state machine per topology entry, logged and traced.

    ``resolve`` turns a substitution's Ref into its template value and ``name_of`` gives each
    state machine its physical name. A placeholder without a substitution fails the synth.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        state_machines: Sequence[StateMachine],
        resolve: Callable[[Ref], str],
        name_of: Callable[[str], str],
        log_retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id_)
        self._machines: dict[str, sfn.StateMachine] = {}
        for spec in state_machines:
            definition = spec.path.read_text(encoding="utf-8")
            missing = placeholders(definition) - set(spec.substitutions)
            if missing:
                raise ValueError(
                    f"state machine {spec.name}: no substitution for {sorted(missing)} in {spec.definition}"
                )
            name = name_of(spec.name)
            express = spec.type == "EXPRESS"
            log_group = logs.LogGroup(
                self,
                f"{construct_id(spec.name)}Logs",
                log_group_name=f"/aws/vendedlogs/states/{name}",
                retention=retention(log_retention_days),
                removal_policy=removal_policy,
            )
            machine = sfn.StateMachine(
                self,
                construct_id(spec.name),
                state_machine_name=name,
                state_machine_type=sfn.StateMachineType.EXPRESS if express else sfn.StateMachineType.STANDARD,
                definition_body=sfn.DefinitionBody.from_string(definition),
                definition_substitutions={key: resolve(ref) for key, ref in spec.substitutions.items()},
                logs=sfn.LogOptions(
                    destination=log_group,
                    level=sfn.LogLevel.ALL if express else sfn.LogLevel.ERROR,
                    include_execution_data=express,
                ),
                tracing_enabled=True,
                removal_policy=removal_policy,
            )
            unused = set(spec.substitutions) - placeholders(definition)
            if unused:
                Annotations.of(machine).add_warning_v2(
                    "resale:unused-substitution",
                    f"substitutions not used by {spec.definition}: {sorted(unused)}",
                )
            declared_timeout = json.loads(definition).get("TimeoutSeconds")
            if declared_timeout != spec.timeout_s:
                Annotations.of(machine).add_warning_v2(
                    "resale:timeout-mismatch",
                    f"{spec.definition} has TimeoutSeconds={declared_timeout}, "
                    f"the topology says {spec.timeout_s}",
                )
            Tags.of(machine).add(LOGICAL_NAME_TAG, spec.name)
            self._machines[spec.name] = machine

    @property
    def state_machines(self) -> Mapping[str, sfn.IStateMachine]:
        return dict(self._machines)
