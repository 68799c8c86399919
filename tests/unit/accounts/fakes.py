"""Hand-written fakes of the accounts ports (no mocks): in-memory, transactional where it matters."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

from workflows.accounts.errors import (
    CodeLocked,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    TooManyCodesSent,
    UserNotConfirmed,
)
from workflows.accounts.model import AddressRecord, Card, ConfirmationRecord, UserRecord
from workflows.accounts.views import Tokens
from workflows.notifications.model import Notification


@dataclass
class FakeDirectory:
    users: dict[str, dict] = field(
        default_factory=dict
    )  # user_id -> {email, password, name, confirmed, groups}
    names_set: list[tuple[str, str]] = field(default_factory=list)

    def sign_up(self, email: str, password: str, *, name: str) -> str:
        if any(u["email"] == email for u in self.users.values()):
            raise EmailTaken("taken")
        user_id = f"sub-{len(self.users) + 1}"
        self.users[user_id] = {
            "email": email,
            "password": password,
            "name": name,
            "confirmed": False,
            "groups": set(),
        }
        return user_id

    def add_to_group(self, user_id: str, group: str) -> None:
        self.users[user_id]["groups"].add(group)

    def confirm(self, user_id: str) -> None:
        self.users[user_id]["confirmed"] = True

    def login(self, email: str, password: str) -> Tokens:
        user = next((u for u in self.users.values() if u["email"] == email), None)
        if user is None or user["password"] != password:
            raise InvalidCredentials("wrong")
        if not user["confirmed"]:
            raise UserNotConfirmed("confirm first")
        return Tokens(id_token="id", access_token="access", refresh_token="refresh", expires_in=3600)

    def refresh(self, refresh_token: str) -> Tokens:
        if refresh_token != "refresh":
            raise InvalidRefreshToken("bad")
        return Tokens(id_token="id2", access_token="access2", refresh_token=refresh_token, expires_in=3600)

    def set_name(self, user_id: str, name: str) -> None:
        self.names_set.append((user_id, name))


@dataclass
class Tables:
    users: dict[str, UserRecord] = field(default_factory=dict)
    addresses: dict[str, AddressRecord] = field(default_factory=dict)
    confirmations: dict[str, ConfirmationRecord] = field(default_factory=dict)


class _Users:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, user: UserRecord) -> None:
        if any(u.email == user.email for u in self.t.users.values()):
            raise EmailTaken("taken")
        self.t.users[user.user_id] = user

    def ensure(self, user: UserRecord) -> None:
        self.t.users.setdefault(user.user_id, user)

    def get(self, user_id: str, *, for_update: bool = False) -> UserRecord | None:
        return self.t.users.get(user_id)

    def get_by_email(self, email: str, *, for_update: bool = False) -> UserRecord | None:
        return next((u for u in self.t.users.values() if u.email == email), None)

    def update(self, user: UserRecord) -> None:
        self.t.users[user.user_id] = user


class _Confirmations:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def get(self, user_id: str, *, for_update: bool = False) -> ConfirmationRecord | None:
        return self.t.confirmations.get(user_id)

    def save(self, record: ConfirmationRecord) -> None:
        self.t.confirmations[record.user_id] = record


class _Addresses:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def _mine(self, user_id: str) -> list[AddressRecord]:
        return sorted(
            (a for a in self.t.addresses.values() if a.user_id == user_id),
            key=lambda a: (a.created_at, a.address_id),
        )

    def list(self, user_id: str, *, limit: int, after=None) -> list[AddressRecord]:
        rows = [a for a in self._mine(user_id) if after is None or (a.created_at, a.address_id) > after]
        return rows[:limit]

    def count(self, user_id: str) -> int:
        return len(self._mine(user_id))

    def get(self, user_id: str, address_id: str, *, for_update: bool = False) -> AddressRecord | None:
        a = self.t.addresses.get(address_id)
        return a if a and a.user_id == user_id else None

    def add(self, address: AddressRecord) -> None:
        self.t.addresses[address.address_id] = address
        self._check_one_default(address.user_id)

    def update(self, address: AddressRecord) -> None:
        self.t.addresses[address.address_id] = address
        self._check_one_default(address.user_id)

    def delete(self, user_id: str, address_id: str) -> bool:
        if self.get(user_id, address_id) is None:
            return False
        del self.t.addresses[address_id]
        return True

    def clear_default(self, user_id: str) -> None:
        for a in self._mine(user_id):
            if a.is_default:
                self.t.addresses[a.address_id] = dataclasses.replace(a, is_default=False)

    def lock_user(self, user_id: str) -> None:
        pass

    def _check_one_default(self, user_id: str) -> None:
        # the partial unique index of the real table
        assert sum(a.is_default for a in self._mine(user_id)) <= 1, "two default addresses"


class FakeUnitOfWork:
    """Works on a copy of the tables; ``commit`` publishes the copy (else it is dropped)."""

    def __init__(self, tables: Tables) -> None:
        self._tables = tables
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return self

    def __enter__(self) -> FakeUnitOfWork:
        self._work = copy.deepcopy(self._tables)
        self.users = _Users(self._work)
        self.addresses = _Addresses(self._work)
        self.confirmations = _Confirmations(self._work)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self._tables.users = self._work.users
        self._tables.addresses = self._work.addresses
        self._tables.confirmations = self._work.confirmations
        self._work = copy.deepcopy(self._tables)
        self.commits += 1


@dataclass
class FakePublisher:
    published: list[Notification] = field(default_factory=list)

    def publish(self, notification: Notification) -> None:
        self.published.append(notification)

    def codes_to(self, email: str) -> list[str]:
        return [
            n.data["code"]
            for n in self.published
            if n.email == email and n.type == "account.confirmation_code"
        ]


@dataclass
class FakeVerifier:
    """Twilio Verify in memory: a fixed code per number; limits like Verify's."""

    code: str = "424242"
    sent: list[str] = field(default_factory=list)
    wrong: int = 0

    def start(self, phone: str) -> None:
        if self.sent.count(phone) >= 5:
            raise TooManyCodesSent("sends")
        self.sent.append(phone)

    def check(self, phone: str, code: str) -> bool:
        if code == self.code:
            return True
        self.wrong += 1
        if self.wrong >= 5:
            raise CodeLocked("checks")
        return False


@dataclass
class FakeVault:
    customers: dict[str, dict] = field(default_factory=dict)  # idempotency key -> customer
    cards: dict[str, tuple[str, Card]] = field(default_factory=dict)  # pm id -> (customer, card)
    defaults: dict[str, str] = field(default_factory=dict)
    setup_intents: list[str] = field(default_factory=list)

    def create_customer(self, *, user_id: str, email: str, name: str | None, idempotency_key: str) -> str:
        customer = self.customers.setdefault(
            idempotency_key, {"id": f"cus_{len(self.customers) + 1}", "email": email}
        )
        return str(customer["id"])

    def create_setup_intent(self, customer_id: str) -> tuple[str, str]:
        seti = f"seti_{len(self.setup_intents) + 1}"
        self.setup_intents.append(customer_id)
        return seti, f"{seti}_secret_x"

    def list_cards(self, customer_id: str, *, limit: int, after: str | None) -> tuple[list[Card], bool]:
        mine = [card for owner, card in self.cards.values() if owner == customer_id]
        return mine[:limit], len(mine) > limit

    def default_payment_method(self, customer_id: str) -> str | None:
        return self.defaults.get(customer_id)

    def owner_of(self, payment_method_id: str) -> str | None:
        found = self.cards.get(payment_method_id)
        return found[0] if found else None

    def detach(self, payment_method_id: str) -> None:
        del self.cards[payment_method_id]
