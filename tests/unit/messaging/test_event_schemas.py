"""The JSON Schemas of messaging's domain events, checked into the repository beside their
models (``workflows/messaging/schemas/<Event>.json``), stay what the models say. Regenerate with
``.venv/bin/python -m tests.unit.messaging.test_event_schemas``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflows.messaging.events import MESSAGING_EVENTS
from workflows.shared.events import DomainEvent

ROOT = Path(__file__).resolve().parents[3]
EVENTS: dict[type[DomainEvent], Path] = {
    kind: ROOT / "workflows" / "messaging" / "schemas" / f"{name}.json"
    for name, kind in MESSAGING_EVENTS.items()
}


def schema_of(kind: type[DomainEvent]) -> dict[str, object]:
    schema = kind.model_json_schema()
    schema["$id"] = f"resale:{kind.source}:{kind.detail_type()}"
    return schema


@pytest.mark.parametrize("kind", list(EVENTS), ids=lambda k: k.__name__)
def test_given_an_event_model_then_its_checked_in_schema_is_the_models(kind: type[DomainEvent]) -> None:
    path = EVENTS[kind]
    assert path.is_file(), f"no {path.relative_to(ROOT)}: regenerate the schemas"
    assert json.loads(path.read_text()) == schema_of(kind), f"{path.relative_to(ROOT)} is stale: regenerate"


def test_given_a_message_event_then_it_carries_no_body() -> None:
    assert not {"body", "text", "email"} & set(MESSAGING_EVENTS["MessageSent"].model_fields)


if __name__ == "__main__":
    for kind, path in EVENTS.items():
        path.write_text(json.dumps(schema_of(kind), indent=2, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")
