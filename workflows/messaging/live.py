"""The live channel: frames to a user's open WebSocket connections.

Any capability that tells a user something live (a message, a read marker, being outbid) pushes
through :class:`LiveChannel`: the user's connections are found by the by-user index (expired ones
filtered), each gets the frame through ``@connections``, and a connection found gone (410) is
deleted, since ``$disconnect`` is best-effort on AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflows.messaging.ports import ConnectionStore, Pusher
    from workflows.shared.clock import Clock


@dataclass(frozen=True)
class LiveChannel:
    connections: ConnectionStore
    pusher: Pusher
    clock: Clock

    def push(self, frames: dict[str, dict[str, Any]], *, exclude: str | None = None) -> set[str]:
        """Each user's frame to each of their open connections but ``exclude`` (the one that
        sent the request); returns the users reached on at least one connection."""
        now = int(self.clock.now().timestamp())
        reached: set[str] = set()
        # user by user, in order: the first user's frames leave before the next user is looked up
        for user_id, frame in frames.items():
            for connection in self.connections.of_user(user_id, now=now):
                if connection.connection_id == exclude:
                    continue
                if self.pusher.push(connection.connection_id, frame):
                    reached.add(user_id)
                else:
                    self.connections.remove(connection.connection_id)
        return reached
