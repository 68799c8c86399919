"""A state machine's graph, coloured by what one execution did in each state.

``state_outcomes`` reads a GetExecutionHistory event list; ``render_graph`` lays the ASL definition
out in layers (breadth first from ``StartAt`` along Next, Choices, Default and Catch) and draws it
as inline SVG. Parallel branches and Map item processors are drawn as their own graphs, nested
under the state that runs them.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

Outcome = Literal["succeeded", "failed", "caught", "retried", "running", "not-reached"]

OUTCOME_LABELS: dict[str, str] = {
    "succeeded": "succeeded",
    "failed": "failed",
    "caught": "caught error",
    "retried": "retried",
    "running": "running",
    "not-reached": "not reached",
}

BOX_WIDTH = 180
BOX_HEIGHT = 44
H_GAP = 36
V_GAP = 56
MARGIN = 24
_FAILURE_SUFFIXES = ("Failed", "TimedOut", "Aborted")
_EXECUTION_EVENTS = {"ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}
_MARKER_IDS = itertools.count(1)
_FINISHED = {"FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"}


@dataclass
class _Tally:
    state_type: str = ""
    entered: int = 0
    exited: int = 0
    failures: int = 0
    last_was_failure: bool = False
    caught: bool = False


@dataclass
class StateRecord:
    """What the history says about one state (summed over Map iterations and retries)."""

    outcome: Outcome
    entered: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)


def _state_name(event: dict[str, Any]) -> str | None:
    for key in ("stateEnteredEventDetails", "stateExitedEventDetails"):
        details = event.get(key)
        if isinstance(details, dict) and details.get("name"):
            return str(details["name"])
    return None


def _failure_text(event: dict[str, Any]) -> str:
    for key, details in event.items():
        if key.endswith("EventDetails") and isinstance(details, dict):
            error = details.get("error")
            cause = details.get("cause")
            if error or cause:
                return f"{error or ''}: {cause or ''}".strip(": ")
    return str(event.get("type", ""))


def state_outcomes(events: list[dict[str, Any]], execution_status: str) -> dict[str, StateRecord]:
    """Outcome per state name from a GetExecutionHistory event list (oldest first)."""
    tallies: dict[str, _Tally] = {}
    errors: dict[str, list[str]] = {}
    open_states: list[str] = []
    for event in events:
        kind = str(event.get("type", ""))
        name = _state_name(event)
        if kind.endswith("StateEntered") and name:
            tally = tallies.setdefault(name, _Tally())
            tally.state_type = kind.removesuffix("StateEntered")
            tally.entered += 1
            tally.last_was_failure = False
            open_states.append(name)
        elif kind.endswith("StateExited") and name:
            tally = tallies.setdefault(name, _Tally())
            tally.exited += 1
            tally.caught = tally.caught or tally.last_was_failure
            if name in open_states:
                # the innermost open state with this name is the one leaving
                del open_states[len(open_states) - 1 - open_states[::-1].index(name)]
        elif kind.endswith(_FAILURE_SUFFIXES) and kind not in _EXECUTION_EVENTS and open_states:
            tally = tallies[open_states[-1]]
            tally.failures += 1
            tally.last_was_failure = True
            errors.setdefault(open_states[-1], []).append(_failure_text(event))
        elif open_states and kind.endswith(("Scheduled", "Started", "Succeeded")):
            tallies[open_states[-1]].last_was_failure = False
    finished = execution_status in _FINISHED
    records: dict[str, StateRecord] = {}
    for name, tally in tallies.items():
        outcome: Outcome
        if tally.state_type == "Fail":
            outcome = "failed"
        elif tally.exited < tally.entered:
            outcome = "failed" if finished else "running"
        elif tally.caught:
            outcome = "caught"
        elif tally.failures:
            outcome = "retried"
        else:
            outcome = "succeeded"
        records[name] = StateRecord(outcome, tally.entered, tally.failures, errors.get(name, []))
    return records


# --- layout ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: Literal["next", "choice", "default", "catch"]


def edges_of(states: dict[str, Any]) -> list[Edge]:
    found: list[Edge] = []
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        for choice in state.get("Choices") or []:
            if isinstance(choice, dict) and choice.get("Next"):
                found.append(Edge(name, str(choice["Next"]), "choice"))
        if state.get("Default"):
            found.append(Edge(name, str(state["Default"]), "default"))
        if state.get("Next"):
            found.append(Edge(name, str(state["Next"]), "next"))
        for catcher in state.get("Catch") or []:
            if isinstance(catcher, dict) and catcher.get("Next"):
                found.append(Edge(name, str(catcher["Next"]), "catch"))
    return [edge for edge in found if edge.target in states]


def layers_of(definition: dict[str, Any]) -> list[list[str]]:
    """States in layers: breadth first from StartAt; unreachable states in a last layer."""
    states: dict[str, Any] = definition.get("States") or {}
    start = definition.get("StartAt")
    depth: dict[str, int] = {}
    outgoing: dict[str, list[str]] = {}
    for edge in edges_of(states):
        outgoing.setdefault(edge.source, []).append(edge.target)
    if start in states:
        depth[str(start)] = 0
        queue = deque([str(start)])
        while queue:
            current = queue.popleft()
            for target in outgoing.get(current, []):
                if target not in depth:
                    depth[target] = depth[current] + 1
                    queue.append(target)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for name, level in depth.items():
        layers[level].append(name)
    unreachable = [name for name in states if name not in depth]
    if unreachable:
        layers.append(unreachable)
    return layers


def _branches(state: dict[str, Any]) -> list[dict[str, Any]]:
    if state.get("Type") == "Parallel":
        return [branch for branch in state.get("Branches") or [] if isinstance(branch, dict)]
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        return [processor] if isinstance(processor, dict) else []
    return []


def _label(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def render_graph(definition: dict[str, Any], outcomes: dict[str, StateRecord], *, title: str = "") -> str:
    """Inline SVG of ``definition`` (plus nested branch graphs), states classed by outcome."""
    states: dict[str, Any] = definition.get("States") or {}
    layers = layers_of(definition)
    widest = max((len(layer) for layer in layers), default=1)
    width = MARGIN * 2 + widest * BOX_WIDTH + (widest - 1) * H_GAP + 80
    height = MARGIN * 2 + len(layers) * BOX_HEIGHT + max(len(layers) - 1, 0) * V_GAP
    position: dict[str, tuple[int, int, int]] = {}
    for level, layer in enumerate(layers):
        row_width = len(layer) * BOX_WIDTH + (len(layer) - 1) * H_GAP
        left = MARGIN + (widest * BOX_WIDTH + (widest - 1) * H_GAP - row_width) // 2
        for index, name in enumerate(layer):
            position[name] = (
                left + index * (BOX_WIDTH + H_GAP),
                MARGIN + level * (BOX_HEIGHT + V_GAP),
                level,
            )

    marker = f"arrow-{next(_MARKER_IDS)}"
    parts = [
        f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title or "state graph")}">',
        f"<defs><marker id='{marker}' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='7' markerHeight='7' "
        "orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z' class='arrowhead'/></marker></defs>",
    ]
    drawn: dict[tuple[str, str], int] = {}
    for edge in edges_of(states):
        # a second edge between the same two states (e.g. Next and Catch) is drawn beside the first
        offset = drawn.get((edge.source, edge.target), 0)
        drawn[(edge.source, edge.target)] = offset + 1
        parts.append(_edge_svg(edge, position, marker, offset * 14))
    for name, state in states.items():
        if name not in position:
            continue
        x, y, _ = position[name]
        record = outcomes.get(name)
        outcome = record.outcome if record else "not-reached"
        state_type = str(state.get("Type", "")) if isinstance(state, dict) else ""
        tooltip = f"{name} ({state_type}): {OUTCOME_LABELS[outcome]}"
        if record and record.errors:
            tooltip += "\n" + "\n".join(record.errors[-3:])
        parts.append(
            f'<g class="state outcome-{outcome}" data-state="{escape(name)}" data-outcome="{outcome}">'
            f"<title>{escape(tooltip)}</title>"
            f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6"/>'
            f'<text x="{x + BOX_WIDTH // 2}" y="{y + 18}" class="name">{escape(_label(name))}</text>'
            f'<text x="{x + BOX_WIDTH // 2}" y="{y + 34}" class="type">{escape(state_type)}'
            f"{' x' + str(record.entered) if record and record.entered > 1 else ''}</text></g>"
        )
    parts.append("</svg>")
    nested = []
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        for number, branch in enumerate(_branches(state), start=1):
            label = f"{name}: branch {number}" if state.get("Type") == "Parallel" else f"{name}: each item"
            nested.append(
                f'<div class="branch"><div class="branch-title">{escape(label)}</div>'
                f"{render_graph(branch, outcomes, title=label)}</div>"
            )
    if nested:
        parts.append('<div class="branches">' + "".join(nested) + "</div>")
    return "".join(parts)


def _edge_svg(edge: Edge, position: dict[str, tuple[int, int, int]], marker: str, shift: int) -> str:
    if edge.source not in position or edge.target not in position:
        return ""
    sx, sy, s_level = position[edge.source]
    tx, ty, t_level = position[edge.target]
    css = f"edge edge-{edge.kind}"
    label = {"default": "default", "catch": "catch"}.get(edge.kind, "")
    if t_level > s_level:
        x1, y1 = sx + BOX_WIDTH // 2 + shift, sy + BOX_HEIGHT
        x2, y2 = tx + BOX_WIDTH // 2 + shift, ty
        path = f"M{x1},{y1} L{x2},{y2}"
        lx, ly = (x1 + x2) // 2 + 4, (y1 + y2) // 2
    else:
        # back or sideways edge: loop out to the right of both boxes
        x1, y1 = sx + BOX_WIDTH, sy + BOX_HEIGHT // 2
        x2, y2 = tx + BOX_WIDTH, ty + BOX_HEIGHT // 2
        bend = max(x1, x2) + 40 + shift
        path = f"M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}"
        lx, ly = bend - 10, (y1 + y2) // 2
    text = f'<text x="{lx}" y="{ly}" class="edge-label">{label}</text>' if label else ""
    return (
        f'<path class="{css}" d="{path}" marker-end="url(#{marker})" '
        f'data-from="{escape(edge.source)}" data-to="{escape(edge.target)}"/>{text}'
    )
