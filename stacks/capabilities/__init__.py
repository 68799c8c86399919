"""Each capability's resources, one module each; ``stacks/topology.py`` composes them.

What several capabilities' functions need alike is declared here once: the Stripe secret and the
notifications topic, each as the environment a function reads and the grant that goes with it.
"""

from __future__ import annotations

from stacks.model import Attr, Grant, Kind, Ref

#: the Stripe secret's ARN (the key, the webhook secret), read by lambdas/wiring/settings.py
STRIPE_ENV: dict[str, str | Ref] = {"STRIPE_SECRET_ARN": Ref(Kind.SECRET, "stripe", Attr.ARN)}
READ_STRIPE = Grant(Kind.SECRET, "stripe", "read")
#: the notifications topic (email and SMS fan out from it)
NOTIFY_ENV: dict[str, str | Ref] = {"NOTIFICATIONS_TOPIC_ARN": Ref(Kind.TOPIC, "notifications", Attr.ARN)}
PUBLISH_NOTIFICATIONS = Grant(Kind.TOPIC, "notifications", "publish")
