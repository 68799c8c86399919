"""The tests' own house rules: one virtual clock, so every test moves the same kind of time."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
THE_CLOCK = TESTS / "fakes" / "clock.py"


def _clock_classes(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [
            f"{path.relative_to(root.parent)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and "Clock" in node.name and path != THE_CLOCK
        ]
    return found


def test_there_is_one_fake_clock() -> None:
    assert _clock_classes(TESTS) == [], "use tests.fakes.clock.FakeClock instead of another clock"


def test_the_guard_finds_a_second_clock(tmp_path: Path) -> None:
    (tmp_path / "fakes.py").write_text("class FrozenClock:\n    pass\n")
    assert _clock_classes(tmp_path) == [f"{tmp_path.name}/fakes.py:1"]


def test_the_clock_serves_both_readers() -> None:
    from datetime import UTC, datetime, timedelta

    from tests.fakes.clock import FakeClock

    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(60)
    clock.advance(timedelta(minutes=1))
    clock.advance(hours=1)
    assert clock.now() == datetime(2026, 1, 1, 1, 2, tzinfo=UTC)
    assert clock() == clock.now().timestamp() == clock.epoch
    clock.set(0.0)
    assert clock.now() == datetime(1970, 1, 1, tzinfo=UTC)
