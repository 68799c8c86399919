"""Each capability's resources, one module each; ``stacks/topology.py`` composes them.

What several capabilities' functions need alike is declared here once: the Stripe secret and the
notifications topic, the live WebSocket channel (the messaging capability's API and connections),
each as the environment a function reads and the grants that go with it.
"""

from __future__ import annotations

from stacks.model import Attr, Grant, Kind, Ref

#: the Stripe secret's ARN (the key, the webhook secret), read by lambdas/wiring/settings.py
STRIPE_ENV: dict[str, str | Ref] = {"STRIPE_SECRET_ARN": Ref(Kind.SECRET, "stripe", Attr.ARN)}
READ_STRIPE = Grant(Kind.SECRET, "stripe", "read")
#: the notifications topic (email and SMS fan out from it)
NOTIFY_ENV: dict[str, str | Ref] = {"NOTIFICATIONS_TOPIC_ARN": Ref(Kind.TOPIC, "notifications", Attr.ARN)}
PUBLISH_NOTIFICATIONS = Grant(Kind.TOPIC, "notifications", "publish")
#: the live channel: the WebSocket API's ``@connections`` endpoint and the open connections
#: (the messaging capability declares both; any capability that tells users live pushes through it)
LIVE_API = "live"
LIVE_PUSH_ENV: dict[str, str | Ref] = {
    "CONNECTIONS_TABLE": Ref(Kind.TABLE, "connections"),
    "WEBSOCKET_MANAGEMENT_URL": Ref(Kind.WEBSOCKET_API, LIVE_API, Attr.URL),
}
#: read_write: a connection found gone (410) is deleted by whoever pushed to it
LIVE_PUSH_GRANTS = (
    Grant(Kind.TABLE, "connections", "read_write"),
    Grant(Kind.WEBSOCKET_API, LIVE_API, "manage_connections"),
)
