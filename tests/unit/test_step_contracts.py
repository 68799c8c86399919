"""Every state machine's keys and paths against its contract (``workflows/*/contracts.py``).

For each ASL file in ``statemachines/`` the checker finds the machine's ``CONTRACT`` and reads
every state: a Lambda Task's ``Payload`` keys are its input model's fields (each required one
given, none unknown), every ``$.path`` it reads resolves in the execution's document (``data``),
``ResultSelector`` reads only what the step's output model has, and each ``ResultPath`` writes a
shape the document declares there; Choice variables, timeout and wait paths, Pass parameters and
a nested execution's input (against the child machine's document) likewise. A renamed key fails
here, not in an end-to-end run: the last tests feed the checker mutated copies of real machines.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from stacks.topology import TOPOLOGY
from workflows.shared.contracts import MachineContract

ROOT = Path(__file__).resolve().parents[2]
STATEMACHINES = ROOT / "statemachines"
ASL_FILES = sorted(STATEMACHINES.glob("*.json"))

LAMBDA = "arn:aws:states:::lambda:invoke"
NESTED = "arn:aws:states:::states:startExecution"
#: a JSONPath the document is read at: ``$`` or ``$.a.b`` (``$$.`` is the context object)
PATH_IN_TEXT = re.compile(r"(?<![$\w])\$(?:\.[A-Za-z0-9_\-]+)*")
JSONATA_INPUT = re.compile(r"\$states\.input((?:\.[A-Za-z0-9_]+)*)")


class Unresolved(LookupError):
    """A path that the models do not have."""


def discover_contracts() -> dict[str, MachineContract]:
    """Every ``CONTRACT`` (and ``CONTRACTS``) declared in ``workflows/*/contracts.py``, by ASL file."""
    found: dict[str, MachineContract] = {}
    for path in sorted((ROOT / "workflows").glob("*/contracts.py")):
        module = importlib.import_module(f"workflows.{path.parent.name}.contracts")
        contract = getattr(module, "CONTRACT", None)
        if contract is None:
            continue
        # a package with more than one machine lists them all in ``CONTRACTS``
        for each in getattr(module, "CONTRACTS", (contract,)):
            assert isinstance(each, MachineContract), path
            assert each.asl not in found, f"two contracts for {each.asl}"
            found[each.asl] = each
    return found


CONTRACTS = discover_contracts()


# -- types and paths ---------------------------------------------------------------------------


def _alternatives(tp: Any) -> list[Any]:
    """``X | None`` -> [X]; ``Annotated[X, ...]`` -> [X]; a union -> its members (not None)."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _alternatives(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return [alt for arg in get_args(tp) if arg is not type(None) for alt in _alternatives(arg)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the name they have in JSON (their alias, if any)."""
    return {(info.alias or name): info for name, info in model.model_fields.items()}


def resolve(tp: Any, segments: list[str]) -> Any:
    """The type at ``segments`` inside ``tp``; raises :class:`Unresolved`."""
    if not segments:
        return tp
    if tp is Any:
        return Any
    head, rest = segments[0], segments[1:]
    for alternative in _alternatives(tp):
        origin = get_origin(alternative)
        try:
            if _is_model(alternative):
                fields = _fields(alternative)
                if head in fields:
                    return resolve(fields[head].annotation, rest)
            elif alternative is dict or origin is dict:
                args = get_args(alternative)
                return resolve(args[1] if args else Any, rest)
        except Unresolved:
            continue
    raise Unresolved(head)


def resolve_path(data: type[BaseModel], path: str, *, base: str = "$") -> Any:
    """``$.a.b`` in the document (or ``$.Payload.x`` with ``base="$.Payload"``)."""
    if path != base and not path.startswith(base + "."):
        raise Unresolved(path)
    segments = [s for s in path[len(base) :].split(".") if s]
    # a list index reads an item: $.lines[0].x (not used by the machines, kept simple)
    return resolve(data, [s.split("[", 1)[0] for s in segments])


def _basic(tp: Any) -> set[type]:
    """The Python types a value of ``tp`` can be (Literal: its values' types)."""
    found: set[type] = set()
    for alternative in _alternatives(tp):
        if get_origin(alternative) is Literal:
            found |= {type(v) for v in get_args(alternative)}
        elif isinstance(alternative, type):
            found.add(alternative)
        elif get_origin(alternative) is not None:
            found.add(get_origin(alternative))
    return found


def compatible(written: Any, declared: Any) -> bool:
    """Can a value of type ``written`` be where ``declared`` is expected (as JSON)?"""
    if written is Any or declared is Any:
        return True
    written_alts, declared_alts = _alternatives(written), _alternatives(declared)
    for w in written_alts:
        for d in declared_alts:
            if w is d or w == d:
                return True
            if _is_model(w) and _is_model(d):
                w_fields, d_fields = _fields(w), _fields(d)
                required = {k for k, f in d_fields.items() if f.is_required()}
                if required <= set(w_fields) <= set(d_fields) and all(
                    compatible(w_fields[k].annotation, d_fields[k].annotation) for k in w_fields
                ):
                    return True
                continue
            w_basic, d_basic = _basic(w), _basic(d)
            numbers = {int, float}
            if w_basic and d_basic:
                if bool in w_basic ^ d_basic and (w_basic | d_basic) & numbers:
                    continue  # a bool is not a number here, whatever Python says
                if w_basic & d_basic or (w_basic <= numbers and d_basic <= numbers):
                    return True
    return False


# -- the checker -------------------------------------------------------------------------------


class Checker:
    """Collects every way a machine's ASL and its contract disagree."""

    def __init__(self, file: str, asl: dict[str, Any], contract: MachineContract) -> None:
        self.file = file
        self.asl = asl
        self.contract = contract
        self.data = contract.data
        self.problems: list[str] = []

    def fail(self, state: str, message: str) -> None:
        self.problems.append(f"{self.file}: {state}: {message}")

    # paths ------------------------------------------------------------------------------------

    def read(self, state: str, path: Any, what: str) -> Any:
        """A path the state reads from the document: it must resolve (context paths are free)."""
        if not isinstance(path, str) or path.startswith("$$"):
            return Any
        try:
            return resolve_path(self.data, path)
        except Unresolved:
            self.fail(state, f"{what} {path!r} is not in {self.data.__name__}")
            return None

    def read_value(self, state: str, key: str, value: Any, what: str) -> Any:
        """A ``"key.$"`` value: a path, a context path or an intrinsic function's arguments."""
        if not isinstance(value, str):
            self.fail(state, f"{what} {key!r} is not a path")
            return None
        if value.startswith("States."):
            for path in PATH_IN_TEXT.findall(value):
                self.read(state, path, f"{what} {key!r} reads")
            return str if value.startswith("States.Format") else Any
        return self.read(state, value, f"{what} {key!r} reads")

    def read_jsonata(self, state: str, value: Any, what: str) -> None:
        for found in JSONATA_INPUT.findall(json.dumps(value)):
            self.read(state, "$" + found, what)

    def write(self, state: str, path: Any, what: str) -> Any:
        """Where a ResultPath writes: it must be declared in the document."""
        try:
            return resolve_path(self.data, path)
        except Unresolved:
            self.fail(state, f"{what} {path!r} is not in {self.data.__name__}")
            return None

    # payloads ---------------------------------------------------------------------------------

    def payload(self, state: str, payload: Any, model: type[BaseModel], what: str) -> None:
        """The keys of a Payload (or a nested Input) against a model's fields, and their values."""
        if not isinstance(payload, dict):
            self.fail(state, f"{what} is not an object")
            return
        fields = _fields(model)
        given = {key.removesuffix(".$"): key for key in payload}
        for name in sorted(set(given) - set(fields)):
            self.fail(state, f"{what} key {name!r} is not a field of {model.__name__}")
        for name in sorted(k for k, f in fields.items() if f.is_required() and k not in given):
            self.fail(state, f"{what} does not give {model.__name__}'s required {name!r}")
        for name, key in given.items():
            if name not in fields:
                continue
            declared = fields[name].annotation
            value = payload[key]
            if key.endswith(".$"):
                read = self.read_value(state, name, value, what)
                if read is not None and not compatible(read, declared):
                    self.fail(state, f"{what} {name!r} reads {read!r}, {model.__name__} wants {declared!r}")
            elif isinstance(value, dict) and [m for m in _alternatives(declared) if _is_model(m)]:
                (submodel,) = [m for m in _alternatives(declared) if _is_model(m)][:1]
                self.payload(state, value, submodel, f"{what}.{name}")
            elif isinstance(value, str) and value.startswith("{%"):
                self.read_jsonata(state, value, f"{what} {name!r}")
            else:
                try:
                    TypeAdapter(declared).validate_python(value)
                except ValidationError:
                    self.fail(state, f"{what} {name!r} = {value!r} is not a {declared!r}")

    # results ----------------------------------------------------------------------------------

    def selected(
        self, state: str, selector: dict[str, Any], output: type[BaseModel] | None, base: str
    ) -> dict[str, Any]:
        """What a ResultSelector keeps: its keys with the types they read from the step's output."""
        kept: dict[str, Any] = {}
        for key, value in selector.items():
            name = key.removesuffix(".$")
            if isinstance(value, dict):  # a nested selector: each of its paths is read too
                self.selected(state, value, output, base)
                kept[name] = Any
                continue
            if not key.endswith(".$"):
                kept[name] = type(value)
                continue
            if output is None:
                kept[name] = Any
                continue
            try:
                kept[name] = resolve_path(output, value, base=base)
            except Unresolved:
                self.fail(state, f"ResultSelector {name!r} reads {value!r}, not in {output.__name__}")
                kept[name] = None
        return kept

    def result_shape(self, state: str, path: str, kept: dict[str, Any], what: str) -> None:
        """A ResultPath target must be a model whose fields take exactly what is written there."""
        target = self.write(state, path, what)
        if target is None:
            return
        models = [m for m in _alternatives(target) if _is_model(m)]
        if not models:
            self.fail(state, f"{what} {path!r} is {target!r}, not an object with {sorted(kept)}")
            return
        fields = _fields(models[0])
        for name in sorted(set(kept) - set(fields)):
            self.fail(state, f"{what} writes {name!r}, which {models[0].__name__} at {path!r} has not")
        for name in sorted(k for k, f in fields.items() if f.is_required() and k not in kept):
            self.fail(state, f"{what} does not write {models[0].__name__}'s required {name!r} at {path!r}")
        for name, written in kept.items():
            if name in fields and written is not None and not compatible(written, fields[name].annotation):
                self.fail(
                    state,
                    f"{what} writes {name!r} as {written!r}, {path!r} declares {fields[name].annotation!r}",
                )

    def catches(self, state: str, spec: dict[str, Any]) -> None:
        for catch in spec.get("Catch", []):
            path = catch.get("ResultPath", "$")
            if path is None or path == "$":
                continue
            self.result_shape(state, path, {"Error": str, "Cause": str}, "Catch ResultPath")

    # states -----------------------------------------------------------------------------------

    def run(self) -> list[str]:
        lambda_tasks: set[str] = set()
        for scope in _scopes(self.asl):
            for name, spec in scope["States"].items():
                kind = spec["Type"]
                if kind == "Task":
                    if str(spec["Resource"]).startswith(LAMBDA):
                        lambda_tasks.add(name)
                        self.lambda_task(name, spec)
                    else:
                        self.other_task(name, spec)
                    self.catches(name, spec)
                    for key in ("TimeoutSecondsPath", "HeartbeatSecondsPath"):
                        if key in spec:
                            self.read(name, spec[key], key)
                elif kind == "Choice":
                    for choice in spec.get("Choices", []):
                        self.choice(name, choice)
                elif kind == "Wait":
                    for key in ("SecondsPath", "TimestampPath"):
                        if key in spec:
                            self.read(name, spec[key], key)
                elif kind == "Pass":
                    self.pass_state(name, spec)
                elif kind == "Map":
                    if "ItemsPath" in spec:
                        self.read(name, spec["ItemsPath"], "ItemsPath")
                    self.catches(name, spec)
                elif kind == "Parallel":
                    self.catches(name, spec)
                elif kind == "Fail":
                    for key in ("ErrorPath", "CausePath"):
                        if key in spec:
                            self.read(name, spec[key], key)
                if "InputPath" in spec and spec["InputPath"] not in (None, "$"):
                    self.read(name, spec["InputPath"], "InputPath")
        for name in sorted(set(self.contract.states) - lambda_tasks):
            self.fail(name, "the contract names a state that is not a Lambda Task of the machine")
        return self.problems

    def choice(self, state: str, rule: dict[str, Any]) -> None:
        if "Variable" in rule:
            self.read(state, rule["Variable"], "Choice Variable")
        for key, value in rule.items():
            if key.endswith("Path") and key != "Variable":
                self.read(state, value, f"Choice {key}")
        for nested in rule.get("And", []) + rule.get("Or", []) + ([rule["Not"]] if "Not" in rule else []):
            self.choice(state, nested)
        if "Condition" in rule:
            self.read_jsonata(state, rule["Condition"], "Choice Condition")

    def pass_state(self, state: str, spec: dict[str, Any]) -> None:
        parameters = spec.get("Parameters")
        kept: dict[str, Any] = {}
        if isinstance(parameters, dict):
            for key, value in parameters.items():
                name = key.removesuffix(".$")
                kept[name] = (
                    self.read_value(state, name, value, "Parameters") if key.endswith(".$") else type(value)
                )
        path = spec.get("ResultPath", "$")
        if parameters is not None and path not in (None, "$"):
            self.result_shape(
                state, path, {k: v for k, v in kept.items() if v is not type(None)}, "ResultPath"
            )

    def lambda_task(self, state: str, spec: dict[str, Any]) -> None:
        contract = self.contract.states.get(state)
        if contract is None:
            self.fail(state, "a Lambda Task without a StateContract")
            return
        if "Arguments" in spec:  # JSONata
            self.payload(state, spec["Arguments"].get("Payload", {}), contract.input, "Payload")
            return
        self.payload(state, spec.get("Parameters", {}).get("Payload", {}), contract.input, "Payload")
        path = spec.get("ResultPath", "$")
        if path is None or path == "$":
            return
        if spec["Resource"].endswith(".waitForTaskToken"):
            self.write(state, path, "ResultPath")  # the result is the event that resumed the task
            return
        if "ResultSelector" in spec:
            kept = self.selected(state, spec["ResultSelector"], contract.output, "$.Payload")
            self.result_shape(state, path, kept, "ResultPath")
        else:
            self.fail(state, f"ResultPath {path!r} keeps the whole invoke response: select from $.Payload")

    def other_task(self, state: str, spec: dict[str, Any]) -> None:
        parameters = spec.get("Parameters", {})
        for key, value in parameters.items():
            if key.endswith(".$") and key != "Input.$":
                self.read_value(state, key.removesuffix(".$"), value, "Parameters")
        if str(spec["Resource"]).startswith(NESTED):
            child = self.child_contract(state, parameters.get("StateMachineArn"))
            if child is not None:
                self.payload_into(state, parameters.get("Input", {}), child)
            if child is not None and spec["Resource"].endswith(".sync:2") and "ResultSelector" in spec:
                # the child's output is its document (no OutputPath in a nested machine's contract)
                kept = self.selected(state, spec["ResultSelector"], child.data, "$.Output")
                self.result_shape(state, spec.get("ResultPath", "$"), kept, "ResultPath")
                return
        path = spec.get("ResultPath", "$")
        if path not in (None, "$"):
            self.write(state, path, "ResultPath")

    def payload_into(self, state: str, payload: Any, child: MachineContract) -> None:
        """A nested execution's Input: the child's document, read from this one."""
        self.payload(state, payload, child.data, f"Input of {child.asl}")

    def child_contract(self, state: str, arn: Any) -> MachineContract | None:
        placeholder = re.fullmatch(r"\$\{(\w+)\}", str(arn))
        machine = next((m for m in TOPOLOGY.state_machines if m.definition == self.file), None)
        if placeholder is None or machine is None or placeholder.group(1) not in machine.substitutions:
            self.fail(state, f"cannot tell which machine {arn!r} is")
            return None
        ref = machine.substitutions[placeholder.group(1)]
        child = next((m for m in TOPOLOGY.state_machines if m.name == ref.name), None)
        if child is None or child.definition not in CONTRACTS:
            self.fail(state, f"the nested machine {ref.name!r} has no contract")
            return None
        return CONTRACTS[child.definition]


def _scopes(machine: dict[str, Any]) -> list[dict[str, Any]]:
    found = [machine]
    for state in machine["States"].values():
        for branch in state.get("Branches", []):
            found += _scopes(branch)
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor is not None:
            found += _scopes(processor)
    return found


def check(file: str, asl: dict[str, Any], contract: MachineContract | None = None) -> list[str]:
    found = contract or CONTRACTS.get(file)
    if found is None:
        return [f"{file}: no workflows/*/contracts.py declares CONTRACT for it"]
    return Checker(file, asl, found).run()


def _asl(file: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((STATEMACHINES / file).read_text())
    return document


# -- the machines as they are ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_given_each_state_machine_then_its_keys_and_paths_match_its_contract(path: Path) -> None:
    assert check(path.name, _asl(path.name)) == []


def test_given_the_contracts_then_each_names_an_asl_file_that_exists() -> None:
    assert CONTRACTS, "no workflows/*/contracts.py declares a CONTRACT"
    for asl in CONTRACTS:
        assert (STATEMACHINES / asl).is_file(), asl


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_given_each_machine_then_its_topology_functions_run_a_handler_of_the_contracted_states(
    path: Path,
) -> None:
    machine = next((m for m in TOPOLOGY.state_machines if m.definition == path.name), None)
    assert machine is not None, f"{path.name} is not declared in the topology"
    contract = CONTRACTS.get(path.name)
    if contract is None:
        pytest.fail(f"{path.name} has no CONTRACT")
    handlers = {f.name: f.handler for f in TOPOLOGY.functions}
    for scope in _scopes(_asl(path.name)):
        for name, spec in scope["States"].items():
            if spec["Type"] != "Task" or not str(spec["Resource"]).startswith(LAMBDA):
                continue
            parameters = spec.get("Parameters") or spec.get("Arguments") or {}
            placeholder = re.fullmatch(r"\$\{(\w+)\}", str(parameters.get("FunctionName")))
            assert placeholder and placeholder.group(1) in machine.substitutions, name
            function = machine.substitutions[placeholder.group(1)].name
            assert function in handlers, f"{name}: no function {function!r}"
            assert name in contract.states, f"{path.name}: {name} has no StateContract"


# -- the checker catches what it is for ----------------------------------------------------------


def _mutated(file: str, state: str, change: Any) -> list[str]:
    asl = copy.deepcopy(_asl(file))
    change(asl["States"][state])
    return check(file, asl)


def test_given_a_renamed_payload_key_then_the_checker_fails() -> None:
    def rename(spec: dict[str, Any]) -> None:
        payload = spec["Parameters"]["Payload"]
        payload["orderid.$"] = payload.pop("order_id.$")

    problems = _mutated("payout.json", "Check Payout", rename)
    assert any("'orderid' is not a field of HoldsStep" in p for p in problems), problems
    assert any("does not give HoldsStep's required 'order_id'" in p for p in problems), problems


def test_given_a_payload_path_the_document_has_not_then_the_checker_fails() -> None:
    def misread(spec: dict[str, Any]) -> None:
        spec["Parameters"]["Payload"]["correlation_id.$"] = "States.Format('account:{}', $.account.acct)"

    problems = _mutated("seller_onboarding.json", "Wait For Account Update", misread)
    assert any("'$.account.acct' is not in OnboardingExecution" in p for p in problems), problems


def test_given_a_bad_choice_path_then_the_checker_fails() -> None:
    def misroute(spec: dict[str, Any]) -> None:
        spec["Choices"][0]["Variable"] = "$.check.nex"

    problems = _mutated("payout.json", "Next Step?", misroute)
    assert problems == ["payout.json: Next Step?: Choice Variable '$.check.nex' is not in PayoutExecution"]


def test_given_a_result_selector_key_the_output_has_not_then_the_checker_fails() -> None:
    def select(spec: dict[str, Any]) -> None:
        spec["ResultSelector"]["fee.$"] = "$.Payload.fee"

    problems = _mutated("payout.json", "Transfer To Seller", select)
    assert any("ResultSelector 'fee' reads '$.Payload.fee', not in Transferred" in p for p in problems), (
        problems
    )
    assert any("writes 'fee', which TransferRef at '$.transfer' has not" in p for p in problems), problems


def test_given_a_result_path_of_another_shape_then_the_checker_fails() -> None:
    def misplace(spec: dict[str, Any]) -> None:
        spec["ResultPath"] = "$.check"

    problems = _mutated("payout.json", "Transfer To Seller", misplace)
    assert any("'transfer_id', which Check at '$.check' has not" in p for p in problems), problems


def test_given_a_catch_writing_where_the_document_has_no_error_then_the_checker_fails() -> None:
    def misplace(spec: dict[str, Any]) -> None:
        spec["Catch"][0]["ResultPath"] = "$.health"

    problems = _mutated("platform_canary.json", "Check Dependencies", misplace)
    assert any(
        "Catch ResultPath writes 'Error', which Health at '$.health' has not" in p for p in problems
    ), problems


def test_given_a_wait_path_or_a_timeout_path_the_document_has_not_then_the_checker_fails() -> None:
    def wait(spec: dict[str, Any]) -> None:
        spec["SecondsPath"] = "$.check.wait"

    def timeout(spec: dict[str, Any]) -> None:
        spec["TimeoutSecondsPath"] = "$.next.timeout"

    assert _mutated("payout.json", "Hold Payout", wait) == [
        "payout.json: Hold Payout: SecondsPath '$.check.wait' is not in PayoutExecution"
    ]
    assert _mutated("seller_onboarding.json", "Wait For Account Update", timeout) == [
        "seller_onboarding.json: Wait For Account Update: TimeoutSecondsPath '$.next.timeout' is not in "
        "OnboardingExecution"
    ]


def test_given_a_static_payload_value_of_the_wrong_type_then_the_checker_fails() -> None:
    def retype(spec: dict[str, Any]) -> None:
        spec["Parameters"]["Payload"]["reason"] = 7

    problems = _mutated("payout.json", "Stop Payout", retype)
    assert any("'reason' = 7 is not a" in p for p in problems), problems


def test_given_a_machine_without_a_contract_then_the_checker_says_so() -> None:
    assert check("nowhere.json", _asl("payout.json")) == [
        "nowhere.json: no workflows/*/contracts.py declares CONTRACT for it"
    ]
