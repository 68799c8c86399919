"""Open WebSocket connections in DynamoDB (pynamodb).

``connections``: one item per API Gateway connection id, with its user, its connect time and
``expires_at`` = connect time + 7,200 s (API Gateway's two-hour limit), which is the table's TTL
attribute. DynamoDB deletes expired items only eventually, so reads filter them out as well.
A user's connections are found through the ``by-user`` index, never by a scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBConnectionError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from workflows.messaging.model import Connection
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from adapters.dynamo.connection import DynamoConnection


class ByUser(GlobalSecondaryIndex["ConnectionItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)


class ConnectionItem(Model):
    class Meta:
        table_name = "connections"

    connection_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    connected_at = NumberAttribute()
    expires_at = NumberAttribute()
    by_user = ByUser()


def _connection(item: ConnectionItem) -> Connection:
    return Connection(
        connection_id=item.connection_id,
        user_id=item.user_id,
        connected_at=int(item.connected_at),
        expires_at=int(item.expires_at),
    )


class DynamoConnections:
    """Implements ``workflows.messaging.ports.ConnectionStore``."""

    def __init__(self, connection: DynamoConnection, table_name: str) -> None:
        self._model = connection.bind(ConnectionItem, table_name)

    def add(self, connection: Connection) -> None:
        try:
            self._model(
                connection.connection_id,
                user_id=connection.user_id,
                connected_at=connection.connected_at,
                expires_at=connection.expires_at,
            ).save()
        except PynamoDBConnectionError as exc:
            raise TransientError(f"DynamoDB is unavailable: {exc}") from exc

    def remove(self, connection_id: str) -> None:
        try:
            self._model(connection_id).delete()
        except PynamoDBConnectionError as exc:
            raise TransientError(f"DynamoDB is unavailable: {exc}") from exc

    def get(self, connection_id: str) -> Connection | None:
        try:
            item = self._model.get(connection_id)
        except self._model.DoesNotExist:
            return None
        except PynamoDBConnectionError as exc:
            raise TransientError(f"DynamoDB is unavailable: {exc}") from exc
        return _connection(item)

    def of_user(self, user_id: str, *, now: int) -> list[Connection]:
        model = self._model
        try:
            items = list(model.by_user.query(user_id, filter_condition=model.expires_at > now))
        except PynamoDBConnectionError as exc:
            raise TransientError(f"DynamoDB is unavailable: {exc}") from exc
        return [_connection(item) for item in items]
