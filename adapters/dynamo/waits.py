"""The waits table (DynamoDB, pynamodb): task tokens and early events by correlation id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.models import Model

from workflows.shared.waits import OutsideEvent

if TYPE_CHECKING:
    from adapters.dynamo.connection import DynamoConnection

_ATTEMPTS = 5


class WaitItem(Model):
    """One correlation id: the token of the task waiting for it, or the event that came first."""

    class Meta:
        table_name = "task-tokens"

    correlation_id = UnicodeAttribute(hash_key=True)
    task_token = UnicodeAttribute(null=True)
    event = JSONAttribute(null=True)
    event_occurred_at = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)


def _event_from(raw: dict[str, Any]) -> OutsideEvent:
    return OutsideEvent(
        event_id=raw["event_id"],
        event_type=raw["event_type"],
        correlation_id=raw["correlation_id"],
        occurred_at=int(raw["occurred_at"]),
        summary=dict(raw.get("summary") or {}),
    )


def _event_to(event: OutsideEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "correlation_id": event.correlation_id,
        "occurred_at": event.occurred_at,
        "summary": event.summary,
    }


class DynamoWaitingTasks:
    """Implements ``workflows.shared.waits.WaitingTasks`` with compare-and-swap updates."""

    def __init__(self, connection: DynamoConnection, table_name: str) -> None:
        self._model = connection.bind(WaitItem, table_name)

    def park_token(self, correlation_id: str, task_token: str, expires_at: int) -> OutsideEvent | None:
        model = self._model
        # the usual order, the workflow waiting before its event: one conditional put, no read
        if self._put_new_token(correlation_id, task_token, expires_at):
            return None
        # an item is there (an early event, or this token parked before): read it
        for _ in range(_ATTEMPTS):
            try:
                item = model.get(correlation_id, consistent_read=True)
            except DoesNotExist:
                if self._put_new_token(correlation_id, task_token, expires_at):
                    return None
                continue  # someone wrote first: read again
            if item.event is not None:
                # the event came before the workflow waited: take it (only if it is still there)
                early = _event_from(item_event(item))
                try:
                    item.update(
                        actions=[model.event.remove(), model.task_token.remove()],
                        condition=model.event_occurred_at == item.event_occurred_at,
                    )
                except UpdateError:
                    continue
                return early
            try:
                item.update(
                    actions=[
                        model.task_token.set(task_token),
                        model.expires_at.set(datetime.fromtimestamp(expires_at, UTC)),
                    ],
                    condition=model.event.does_not_exist(),
                )
                return None
            except UpdateError:
                continue
        raise RuntimeError(f"could not park a task token for {correlation_id} after {_ATTEMPTS} attempts")

    def _put_new_token(self, correlation_id: str, task_token: str, expires_at: int) -> bool:
        """Write the token as a new item; False if an item for ``correlation_id`` is there."""
        model = self._model
        try:
            model(
                correlation_id, task_token=task_token, expires_at=datetime.fromtimestamp(expires_at, UTC)
            ).save(condition=model.correlation_id.does_not_exist())
        except PutError:
            return False
        return True

    def take_token_or_park_event(self, event: OutsideEvent, expires_at: int) -> str | None:
        model = self._model
        key = event.correlation_id
        for _ in range(_ATTEMPTS):
            try:
                item = model.get(key, consistent_read=True)
            except DoesNotExist:
                try:
                    model(
                        key,
                        event=_event_to(event),
                        event_occurred_at=event.occurred_at,
                        expires_at=datetime.fromtimestamp(expires_at, UTC),
                    ).save(condition=model.correlation_id.does_not_exist())
                    return None
                except PutError:
                    continue
            if item.task_token is not None:
                token = item.task_token
                try:
                    item.update(actions=[model.task_token.remove()], condition=model.task_token == token)
                except UpdateError:
                    continue  # another delivery took it
                return token
            if item.event_occurred_at is not None and item.event_occurred_at > event.occurred_at:
                return None  # a newer event is already parked; this one is stale
            try:
                item.update(
                    actions=[
                        model.event.set(_event_to(event)),
                        model.event_occurred_at.set(event.occurred_at),
                        model.expires_at.set(datetime.fromtimestamp(expires_at, UTC)),
                    ],
                    condition=model.task_token.does_not_exist(),
                )
                return None
            except UpdateError:
                continue
        raise RuntimeError(f"could not deliver event {event.event_id} after {_ATTEMPTS} attempts")


def item_event(item: WaitItem) -> dict[str, Any]:
    raw = item.event
    if not isinstance(raw, dict):
        raise TypeError("a parked event must be a JSON object")
    return raw
