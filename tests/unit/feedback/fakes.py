"""Hand-written fakes of feedback's ports (the same contract as ``adapters/postgres/feedback.py``)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tests.fakes.clock import FakeClock
from tests.fakes.waits import InMemoryWaitingTasks, RecordingResponder
from workflows.feedback.model import FeedbackPolicy
from workflows.feedback.ports import DeliveredOrder, Member
from workflows.feedback.service import FeedbackService

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from workflows.feedback.model import Feedback, FeedbackWindow, SubjectRole
    from workflows.feedback.ports import PendingRow
    from workflows.notifications.model import Notification
    from workflows.shared.events import DomainEvent


class MemoryStore:
    """The tables, in memory; every change is kept (a unit of work that always commits)."""

    def __init__(self) -> None:
        self.orders: dict[str, DeliveredOrder] = {}
        self.windows: dict[str, FeedbackWindow] = {}
        self.feedback: dict[str, Feedback] = {}

    def order(self, order_id: str) -> DeliveredOrder | None:
        return self.orders.get(order_id)

    def open_window(self, window: FeedbackWindow) -> FeedbackWindow:
        return self.windows.setdefault(window.order_id, window)

    def window(self, order_id: str, *, for_update: bool = False) -> FeedbackWindow | None:
        return self.windows.get(order_id)

    def of_order(self, order_id: str) -> list[Feedback]:
        return sorted(
            (f for f in self.feedback.values() if f.order_id == order_id), key=lambda f: f.subject_role
        )

    def get(self, feedback_id: str, *, for_update: bool = False) -> Feedback | None:
        return self.feedback.get(feedback_id)

    def add(self, feedback: Feedback) -> None:
        assert feedback.feedback_id not in self.feedback, "the table's primary key"
        self.feedback[feedback.feedback_id] = feedback

    def reveal(self, order_id: str, at: datetime) -> list[Feedback]:
        self.windows[order_id] = replace(self.windows[order_id], revealed_at=at)
        now = [replace(f, revealed_at=at) for f in self.of_order(order_id) if f.revealed_at is None]
        self.feedback.update({f.feedback_id: f for f in now})
        return now

    def mark_reminded(self, order_id: str, at: datetime) -> None:
        self.windows[order_id] = replace(self.windows[order_id], reminded_at=at)

    def set_reply(self, feedback_id: str, body: str, at: datetime) -> None:
        self.feedback[feedback_id] = replace(self.feedback[feedback_id], reply=body, replied_at=at)

    def remove(self, feedback_id: str, *, by: str, reason: str, at: datetime) -> None:
        self.feedback[feedback_id] = replace(self.feedback[feedback_id], removed_at=at, removal_reason=reason)


class MemoryReads:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def pending(
        self, user_id: str, now: datetime, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[PendingRow]:
        raise NotImplementedError("read through the API tests")

    def revealed_about(
        self, subject_id: str, role: SubjectRole | None, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[Feedback]:
        raise NotImplementedError("read through the API tests")

    def member(self, user_id: str) -> Member | None:
        return None


class Recorder:
    """Events and notifications as they were published."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self.notifications: list[Notification] = []

    def publish(self, *items: Any) -> None:
        for item in items:
            (self.events if hasattr(item, "event_id") else self.notifications).append(item)


class Starter:
    def __init__(self) -> None:
        self.started: dict[str, dict[str, Any]] = {}

    def start(self, name: str, payload: dict[str, Any]) -> bool:
        return self.started.setdefault(name, payload) is payload


class World:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.store = MemoryStore()
        self.recorder = Recorder()
        self.waiting = InMemoryWaitingTasks()
        self.responder = RecordingResponder()
        self.starter = Starter()

        @contextmanager
        def unit_of_work() -> Iterator[MemoryStore]:
            yield self.store

        self.service = FeedbackService(
            store=unit_of_work,
            reads=MemoryReads(self.store),
            events=self.recorder,
            notifications=self.recorder,
            waiting=self.waiting,
            responder=self.responder,
            clock=clock,
            policy=FeedbackPolicy(),
            starter=self.starter,
        )

    def delivered(self, order_id: str = "o-1", *, status: str = "delivered") -> DeliveredOrder:
        order = DeliveredOrder(
            order_id=order_id,
            buyer_id="buyer-1",
            seller_id="seller-1",
            status=status,
            delivered_at=self.clock.now() if status != "shipped" else None,
            title="Levi's 501",
        )
        self.store.orders[order_id] = order
        return order

    def types(self) -> list[str]:
        return [n.type for n in self.recorder.notifications]
