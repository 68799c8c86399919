"""Notifications: email and SMS to users, rendered from templates, delivered at most once.

Pipeline
--------
A capability builds a :class:`Notification` (``notification_id`` derived from its business key
with ``workflows.shared.ids.derived_id``, a ``type``, a ``category``, the ``channels``, a
``user_id`` and/or explicit ``email``/``phone``/``name``, and the ``data`` its templates need)
and hands it to a :class:`NotificationPublisher` (``lambdas.wiring.core.wiring().notifications``).
The SNS topic fans it out to one SQS queue per channel (each with a DLQ, alarmed); the channel's
consumer calls :func:`deliver`.

:func:`deliver` resolves the recipient (explicit address first, else the user's profile; SMS
goes only to an explicit number or the profile's *verified* phone), applies the user's
preferences (``account`` always goes out; defaults in :data:`DEFAULTS`), renders the templates,
claims the delivery in the delivery log, sends through the channel's provider and records the
outcome.

Templates: the format other capabilities follow
-----------------------------------------------
For a notification type ``<area>.<event>`` (e.g. ``orders.order_paid``), add to
``workflows/notifications/templates/``:

=============================  =========================================================
``<type>.subject.txt``          email subject (whitespace collapsed to one line)
``<type>.txt``                  email plain-text body
``<type>.html``                 email HTML *fragment*, placed in ``_layout.html``
``<type>.sms.txt``              SMS text (only for types sent by SMS; keep it short)
=============================  =========================================================

and an entry ``"<type>": {<sample data>}`` to ``templates/samples.json``: a test renders every
template with its sample data, and fails for a type without samples or with missing files.

Placeholders are :class:`string.Template` ones: ``${name}`` is the recipient's name (the
notification's ``name``, else the profile's, else "there"); every other ``${key}`` comes from
the notification's ``data`` (values are turned into text with ``str``: format money and dates
before publishing). ``$$`` is a literal ``$``. A placeholder without a value is an error: the
message is never sent half-rendered; it fails and ends in the DLQ. In the HTML part every value
is HTML-escaped; the text parts are sent as they are.

At most once, and never silently dropped
----------------------------------------
The delivery log (PostgreSQL ``notification_deliveries``) has one row per (notification_id,
channel). Before sending, the consumer *claims* the row with status ``sending``; a second
delivery of the same message (SQS delivers at least once; a publisher may retry) finds it
claimed and does nothing. After the provider accepts, the row becomes ``sent`` with the
provider's message id. A claim may take over a ``failed`` row (the retry of a failed send) or a
``sending`` row older than ``claim_stale_after`` (its sender died mid-way; this window must
exceed the consumer's timeout), never a ``sent`` or ``skipped`` one.

* Provider outage, throttling, network errors: the row is marked ``failed`` with the error and
  the error is raised; the consumer reports the message as a batch item failure, SQS retries it
  after the visibility timeout and, after the queue's ``maxReceiveCount``, moves it to the DLQ,
  whose depth alarm fires. A template error or an unknown user takes the same road.
* Permanent rejection (invalid address or number, an opted-out phone): the row is marked
  ``failed`` with ``last_error`` "rejected: ..." and the message is *not* retried (retrying
  cannot succeed and would only page someone); the consumer logs it at error level and counts
  ``NotificationRejected``.
* Nothing to send (the user turned the category off, no verified phone): the row is recorded
  ``skipped`` with the reason.
* The one window left: a sender that dies after the provider accepted but before the row says
  ``sent`` leaves a ``sending`` row; after ``claim_stale_after`` a retry sends again. Providers
  offer no idempotency key for mail/SMS, so that rare case is at-least-once.
"""

from __future__ import annotations

from workflows.notifications.delivery import DeliveryPorts, DeliveryResult, deliver
from workflows.notifications.model import (
    Category,
    Channel,
    Notification,
    NotificationMessage,
    NotificationPublisher,
)
from workflows.notifications.preferences import DEFAULTS, get_preferences, update_preferences
from workflows.notifications.views import Preference, Preferences

__all__ = [
    "DEFAULTS",
    "Category",
    "Channel",
    "DeliveryPorts",
    "DeliveryResult",
    "Notification",
    "NotificationMessage",
    "NotificationPublisher",
    "Preference",
    "Preferences",
    "deliver",
    "get_preferences",
    "update_preferences",
]
