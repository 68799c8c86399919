"""What one request sees: the store, the time, the acting account, and the events it causes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local.providers.stripe.errors import StripeError, bad_param, no_such
from local.providers.stripe.store import LABELS, new_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.providers.stripe.forms import Params
    from local.providers.stripe.store import Record, Store

API_VERSION = "2026-10-28.endive"


@dataclass
class Ctx:
    """The acting ``account`` is the platform's own id, or the connected account named by the
    ``Stripe-Account`` header. ``outbox`` collects the events created while handling the request;
    they reach sinks and webhooks once the request's changes are complete."""

    store: Store
    now: int
    account: str
    params: Params
    path: str
    base_url: str = ""
    request_id: str | None = None
    idempotency_key: str | None = None
    publishable: bool = False
    pending_seconds: int = 0
    count_webhooks: Callable[[dict[str, Any]], int] = lambda _event: 0
    outbox: list[dict[str, Any]] = field(default_factory=list)

    @property
    def platform(self) -> str:
        return self.store.platform_account_id

    @property
    def is_platform(self) -> bool:
        return self.account == self.platform

    def require_secret_key(self) -> None:
        if self.publishable:
            raise StripeError(
                401,
                "This API call cannot be made with a publishable API key. Please use a secret API key. "
                "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
                saved=False,
            )

    def require_platform(self, what: str) -> None:
        if not self.is_platform:
            raise StripeError(
                400,
                f"You cannot perform this request ({what}) on behalf of a connected account.",
                saved=False,
            )

    # events ----------------------------------------------------------------------------------
    def emit(
        self,
        type_: str,
        obj: dict[str, Any],
        *,
        owner: str | None = None,
        previous: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store an Event about ``obj`` (a snapshot of it now) and queue it for delivery."""
        owner = owner or self.account
        data: dict[str, Any] = {"object": self.store.render(obj, self.now)}
        if previous:
            data["previous_attributes"] = previous
        event: dict[str, Any] = {
            "id": new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now,
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
            "type": type_,
        }
        if owner != self.platform:
            event["account"] = owner
        event["pending_webhooks"] = self.count_webhooks(event)
        self.store.add(event, owner)
        self.outbox.append(event)
        return event

    # responses -------------------------------------------------------------------------------
    def render(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.store.render(obj, self.now, self.params.texts("expand"))

    def page(self, records: list[Record], kind: str) -> dict[str, Any]:
        """Stripe's list shape over ``records`` (newest first), with limit and cursors."""
        records = [record for record in records if _created_matches(record.obj, self.params)]
        limit = self.params.integer("limit", minimum=1)
        if limit is None:
            limit = 10
        if limit > 100:
            raise bad_param(
                "This value must be less than or equal to 100.",
                param="limit",
                code="parameter_invalid_integer",
            )
        after = self.params.text("starting_after")
        before = self.params.text("ending_before")
        ids = [record.obj["id"] for record in records]
        if after is not None:
            if after not in ids:
                raise no_such(LABELS.get(kind, kind), after, param="starting_after")
            start = ids.index(after) + 1
            chosen = records[start : start + limit]
            has_more = start + limit < len(records)
        elif before is not None:
            if before not in ids:
                raise no_such(LABELS.get(kind, kind), before, param="ending_before")
            end = ids.index(before)
            start = max(0, end - limit)
            chosen = records[start:end]
            has_more = start > 0
        else:
            chosen = records[:limit]
            has_more = len(records) > limit
        listing = {
            "object": "list",
            "data": [record.obj for record in chosen],
            "has_more": has_more,
            "url": self.path,
        }
        return self.store.render(listing, self.now, self.params.texts("expand"))


def _created_matches(obj: dict[str, Any], params: Params) -> bool:
    condition = params.get("created")
    created = obj.get("created", 0)
    if condition is None or condition == "":
        return True
    if isinstance(condition, str):
        return bool(created == _as_int(condition))
    if not isinstance(condition, dict):
        return True
    checks = {
        "gt": lambda bound: created > bound,
        "gte": lambda bound: created >= bound,
        "lt": lambda bound: created < bound,
        "lte": lambda bound: created <= bound,
    }
    return all(checks[op](_as_int(value)) for op, value in condition.items() if op in checks)


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_param(
            f"Invalid integer: {value}", param="created", code="parameter_invalid_integer"
        ) from None


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Stripe's ``previous_attributes``: the old values of what changed, nested hashes by key."""
    changed: dict[str, Any] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict) and old.get("object") != "list":
            inner = diff(old, new)
            if inner:
                changed[key] = inner
        elif old != new:
            changed[key] = old
    return changed
