"""Profile, address book and phone verification rules, with fakes."""

from __future__ import annotations

import pytest

from tests.fakes.clock import FakeClock
from tests.unit.accounts.fakes import FakeDirectory, FakePublisher, FakeUnitOfWork, FakeVerifier, Tables
from workflows.accounts.commands import AddressInput, ProfileUpdate
from workflows.accounts.errors import AddressNotFound, CodeMismatch, NoPhone
from workflows.accounts.profile import ProfileService
from workflows.shared.errors import ContractError, IdempotencyKeyReused
from workflows.shared.identity import Caller

ANN = Caller(user_id="sub-ann", email="Ann@Example.com", roles=frozenset({"buyer"}))
BOB = Caller(user_id="sub-bob", email="bob@example.com", roles=frozenset({"buyer", "seller"}))
HOME = AddressInput(name="Ann", line1="1 Main St", city="Boston", postal_code="02139", country="us")
WORK = AddressInput(name="Ann", line1="2 Work Rd", city="Boston", country="US")


@pytest.fixture
def world():
    tables, clock, verifier, publisher = Tables(), FakeClock(), FakeVerifier(), FakePublisher()
    directory = FakeDirectory()
    service = ProfileService(
        uow=FakeUnitOfWork(tables),
        directory=directory,
        phone_verifier=verifier,
        notifications=publisher,
        clock=clock,
    )
    return service, tables, clock, verifier, publisher, directory


def test_given_a_caller_without_a_row_then_the_profile_is_made_with_the_tokens_roles(world) -> None:
    service, tables, *_ = world
    profile = service.get(BOB)
    assert profile.user_id == BOB.user_id and profile.roles == ["buyer", "seller"]
    assert tables.users[BOB.user_id].email == "bob@example.com"
    assert service.get(ANN).email == "ann@example.com"


def test_given_a_new_phone_then_it_is_unverified_and_the_same_phone_keeps_its_state(world) -> None:
    service, _, _, verifier, publisher, directory = world
    service.update(ANN, ProfileUpdate(name="Ann B", phone="+14155550100"))
    assert directory.names_set == [(ANN.user_id, "Ann B")]
    service.start_phone_verification(ANN)
    assert service.check_phone_verification(ANN, verifier.code).phone_verified
    assert publisher.published[-1].type == "account.phone_verified"
    assert publisher.published[-1].data == {"phone_ending": "0100"}
    assert service.update(ANN, ProfileUpdate(phone="+14155550100")).phone_verified is True
    assert service.update(ANN, ProfileUpdate(phone="+14155550101")).phone_verified is False
    with pytest.raises(ContractError):
        service.update(ANN, ProfileUpdate(name=None))


def test_given_no_phone_then_no_verification_and_a_wrong_code_is_a_mismatch(world) -> None:
    service, tables, *_ = world
    with pytest.raises(NoPhone):
        service.start_phone_verification(ANN)
    service.update(ANN, ProfileUpdate(phone="+14155550100"))
    service.start_phone_verification(ANN)
    with pytest.raises(CodeMismatch):
        service.check_phone_verification(ANN, "000000")
    assert tables.users[ANN.user_id].phone_verified is False


def test_given_addresses_then_exactly_the_chosen_one_is_default_and_deleting_it_promotes_none(world) -> None:
    service, _, clock, *_ = world
    home, created = service.add_address(ANN, HOME, address_id="00000000-0000-4000-8000-000000000001")
    assert created and home.is_default and home.country == "US"
    clock.advance(seconds=1)
    work, _ = service.add_address(
        ANN, WORK.model_copy(update={"is_default": True}), address_id="00000000-0000-4000-8000-000000000002"
    )
    page = service.list_addresses(ANN, limit=10, cursor=None)
    assert [(a.address_id, a.is_default) for a in page.items] == [
        (home.address_id, False),
        (work.address_id, True),
    ]
    service.replace_address(ANN, home.address_id, HOME.model_copy(update={"is_default": True}))
    assert [a.is_default for a in service.list_addresses(ANN, limit=10, cursor=None).items] == [True, False]
    service.delete_address(ANN, home.address_id)
    assert [a.is_default for a in service.list_addresses(ANN, limit=10, cursor=None).items] == [False]


def test_given_someone_elses_address_then_it_is_not_found_for_every_operation(world) -> None:
    service, *_ = world
    home, _ = service.add_address(ANN, HOME, address_id="00000000-0000-4000-8000-000000000001")
    assert service.list_addresses(BOB, limit=10, cursor=None).items == []
    with pytest.raises(AddressNotFound):
        service.replace_address(BOB, home.address_id, WORK)
    with pytest.raises(AddressNotFound):
        service.delete_address(BOB, home.address_id)
    # the same id from another user cannot replay Ann's address either
    bob_copy, created = service.add_address(BOB, WORK, address_id="00000000-0000-4000-8000-000000000009")
    assert created and bob_copy.is_default


def test_given_the_same_address_id_then_a_repeat_answers_the_first_and_another_body_is_refused(world) -> None:
    service, tables, *_ = world
    first, created = service.add_address(ANN, HOME, address_id="00000000-0000-4000-8000-000000000001")
    again, created_again = service.add_address(ANN, HOME, address_id="00000000-0000-4000-8000-000000000001")
    assert created and not created_again and again == first
    with pytest.raises(IdempotencyKeyReused):
        service.add_address(ANN, WORK, address_id="00000000-0000-4000-8000-000000000001")
    assert len(tables.addresses) == 1


def test_given_a_page_then_the_cursor_continues_after_it_and_a_forged_cursor_is_refused(world) -> None:
    service, _, clock, *_ = world
    ids = []
    for n in range(5):
        clock.advance(seconds=1)
        ids.append(
            service.add_address(ANN, HOME, address_id=f"00000000-0000-4000-8000-00000000000{n}")[0].address_id
        )
    first = service.list_addresses(ANN, limit=3, cursor=None)
    second = service.list_addresses(ANN, limit=3, cursor=first.next_cursor)
    assert [a.address_id for a in first.items + second.items] == ids and second.next_cursor is None
    with pytest.raises(ContractError):
        service.list_addresses(ANN, limit=3, cursor="bm9wZQ")
