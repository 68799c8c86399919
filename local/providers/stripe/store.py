"""Thread-safe in-memory state of the stand-in: objects by id, owned by an account."""

from __future__ import annotations

import copy
import itertools
import secrets
import string
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local.providers.stripe.errors import StripeError, no_such

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_ALPHABET = string.ascii_letters + string.digits

#: how Stripe names an object type in "No such ..." messages
LABELS = {
    "payment_intent": "PaymentIntent",
    "setup_intent": "SetupIntent",
    "payment_method": "PaymentMethod",
    "webhook_endpoint": "webhook endpoint",
    "balance_transaction": "balance transaction",
    "transfer_reversal": "transfer reversal",
    "application_fee": "application fee",
    "fee_refund": "application fee refund",
}


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id: the type prefix and random alphanumerics."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass
class Record:
    """One stored object: Stripe's JSON shape in ``obj``, the stand-in's bookkeeping in ``private``."""

    obj: dict[str, Any]
    owner: str
    seq: int
    private: dict[str, Any] = field(default_factory=dict)


@dataclass
class IdempotencyRecord:
    fingerprint: tuple[str, str, Any]
    created: float
    status: int
    body: bytes
    request_id: str


@dataclass
class LinkRecord:
    token: str
    account: str
    refresh_url: str
    return_url: str
    expires_at: int
    used: bool = False


@dataclass
class FailureRule:
    remaining: int
    status: int
    path_prefix: str
    #: False: the request fails before it executes (nothing saved under its idempotency key);
    #: True: it fails while executing, as an unexpected error (a 500 Stripe saves and replays)
    during: bool = False


class Store:
    """Everything the stand-in knows. Callers hold ``lock`` for a whole request, so a request's
    changes are atomic and two requests never interleave."""

    def __init__(self, platform_account_id: str) -> None:
        self.lock = threading.RLock()
        self.platform_account_id = platform_account_id
        self._records: dict[str, Record] = {}
        #: the same records by object kind, so listing one kind does not walk every object
        self._by_kind: dict[str, dict[str, Record]] = {}
        self._seq = itertools.count(1)
        self.idempotency: dict[tuple[str, str], IdempotencyRecord] = {}
        #: (account, idempotency key) of the requests executing now (a second one is a 409)
        self.in_flight: set[tuple[str, str]] = set()
        self.links: dict[str, LinkRecord] = {}
        self.failures: list[FailureRule] = []

    # objects ---------------------------------------------------------------------------------
    def add(self, obj: dict[str, Any], owner: str, **private: Any) -> Record:
        record = Record(obj, owner, next(self._seq), dict(private))
        self._records[obj["id"]] = record
        self._by_kind.setdefault(str(obj.get("object")), {})[obj["id"]] = record
        return record

    def find(self, object_id: str) -> Record | None:
        return self._records.get(object_id)

    def get(self, kind: str, object_id: str | None, owner: str, *, param: str = "id") -> Record:
        """The record of ``kind`` with ``object_id`` as seen by ``owner``, else Stripe's 404."""
        record = self._records.get(object_id or "")
        if record is None or record.obj.get("object") != kind or record.owner != owner:
            raise no_such(LABELS.get(kind, kind), object_id or "", param=param)
        return record

    def remove(self, object_id: str) -> None:
        record = self._records.pop(object_id, None)
        if record is not None:
            self._by_kind.get(str(record.obj.get("object")), {}).pop(object_id, None)

    def all(
        self, kind: str, owner: str | None = None, where: Callable[[Record], bool] | None = None
    ) -> list[Record]:
        """Records of ``kind`` (of ``owner`` when given), newest first."""
        found = [
            record
            for record in list(self._by_kind.get(kind, {}).values())
            if record.obj.get("object") == kind
            and (owner is None or record.owner == owner)
            and (where is None or where(record))
        ]
        found.sort(key=lambda record: record.seq, reverse=True)
        return found

    # rendering -------------------------------------------------------------------------------
    def render(self, obj: dict[str, Any], now: int, expand: Iterable[str] = ()) -> dict[str, Any]:
        """A JSON-ready copy of ``obj`` with time-dependent fields current and ``expand`` applied."""
        out = copy.deepcopy(obj)
        self._refresh(out, now)
        if out.get("object") == "list":
            for item in out["data"]:
                self._refresh(item, now)
        for path in expand:
            self._expand(out, path.split("."), now, path)
        return out

    def _refresh(self, obj: dict[str, Any], now: int) -> None:
        if obj.get("object") == "balance_transaction":
            obj["status"] = "available" if obj["available_on"] <= now else "pending"

    def _expand(self, obj: dict[str, Any], path: list[str], now: int, full: str) -> None:
        head, rest = path[0], path[1:]
        if obj.get("object") == "list" and head == "data":
            for item in obj["data"]:
                if rest:
                    self._expand(item, rest, now, full)
            return
        if head not in obj:
            raise StripeError(400, f"This property cannot be expanded ({full}).", param="expand", saved=False)
        value = obj[head]
        if isinstance(value, str):
            record = self._records.get(value)
            if record is None:
                raise StripeError(
                    400, f"This property cannot be expanded ({full}).", param="expand", saved=False
                )
            value = copy.deepcopy(record.obj)
            self._refresh(value, now)
            obj[head] = value
        if rest and isinstance(value, dict):
            self._expand(value, rest, now, full)
