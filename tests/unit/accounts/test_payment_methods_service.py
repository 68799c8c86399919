"""Saved cards, with a fake vault: one customer per user, and only one's own cards."""

from __future__ import annotations

import pytest

from tests.unit.accounts.fakes import FakeUnitOfWork, FakeVault, Tables
from workflows.accounts.errors import PaymentMethodNotFound
from workflows.accounts.model import Card
from workflows.accounts.payment_methods import PaymentMethodsService, customer_idempotency_key
from workflows.shared.identity import Caller

ANN = Caller(user_id="sub-ann", email="ann@example.com", roles=frozenset({"buyer"}))
BOB = Caller(user_id="sub-bob", email="bob@example.com", roles=frozenset({"buyer"}))


@pytest.fixture
def world():
    tables, vault = Tables(), FakeVault()
    return PaymentMethodsService(uow=FakeUnitOfWork(tables), vault=vault), tables, vault


def test_given_several_setups_then_one_customer_is_made_and_remembered(world) -> None:
    service, tables, vault = world
    service.setup(ANN)
    service.setup(ANN)
    assert len(vault.customers) == 1
    assert tables.users[ANN.user_id].stripe_customer_id == "cus_1"
    assert vault.setup_intents == ["cus_1", "cus_1"]


def test_given_a_lost_write_then_the_retried_creation_uses_the_same_idempotency_key() -> None:
    assert customer_idempotency_key("sub-ann") == customer_idempotency_key("sub-ann")
    assert customer_idempotency_key("sub-ann") != customer_idempotency_key("sub-bob")


def test_given_cards_then_only_the_callers_are_listed_with_the_default_marked(world) -> None:
    service, _, vault = world
    service.setup(ANN)
    service.setup(BOB)
    vault.cards["pm_a"] = ("cus_1", Card("pm_a", "visa", "4242", 12, 2030))
    vault.cards["pm_b"] = ("cus_2", Card("pm_b", "mastercard", "4444", 1, 2031))
    vault.defaults["cus_1"] = "pm_a"
    (card,) = service.list(ANN, limit=20, cursor=None).items
    assert (card.payment_method_id, card.is_default) == ("pm_a", True)
    with pytest.raises(PaymentMethodNotFound):
        service.delete(ANN, "pm_b")
    service.delete(BOB, "pm_b")
    assert "pm_b" not in vault.cards


def test_given_no_customer_yet_then_the_list_is_empty_and_nothing_is_created(world) -> None:
    service, _, vault = world
    assert service.list(ANN, limit=20, cursor=None).items == []
    with pytest.raises(PaymentMethodNotFound):
        service.delete(ANN, "pm_x")
    assert vault.customers == {}
