"""The sign-up and confirmation rules, with fakes: codes, expiry, lockout, resend limits."""

from __future__ import annotations

import pytest

from tests.fakes.clock import FakeClock
from tests.unit.accounts.fakes import FakeDirectory, FakePublisher, FakeUnitOfWork, Tables
from workflows.accounts.codes import code_hash, code_matches, new_code
from workflows.accounts.commands import ConfirmRequest, EmailRequest, LoginRequest, SignupRequest
from workflows.accounts.errors import (
    AlreadyConfirmed,
    CodeExpired,
    CodeLocked,
    CodeMismatch,
    InvalidCredentials,
    UserNotConfirmed,
)
from workflows.accounts.identity import IdentityService
from workflows.shared.errors import TooManyAttempts
from workflows.shared.ids import derived_id

EMAIL = "ann@example.com"
PASSWORD = "Str0ng-passw0rd!"


@pytest.fixture
def world():
    tables, directory, publisher, clock = Tables(), FakeDirectory(), FakePublisher(), FakeClock()
    service = IdentityService(
        directory=directory, uow=FakeUnitOfWork(tables), notifications=publisher, clock=clock
    )
    return service, tables, directory, publisher, clock


def _sign_up(service: IdentityService) -> str:
    return service.sign_up(SignupRequest(email=EMAIL, password=PASSWORD, name="Ann")).user_id


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_given_a_sign_up_then_a_buyer_a_profile_and_one_emailed_code_whose_hash_alone_is_stored(
    world,
) -> None:
    service, tables, directory, publisher, _ = world
    user_id = _sign_up(service)
    assert directory.users[user_id]["groups"] == {"buyer"}
    assert tables.users[user_id].email == EMAIL
    (sent,) = publisher.published
    assert sent.type == "account.confirmation_code" and sent.category == "account" and sent.email == EMAIL
    assert sent.notification_id == derived_id("confirmation", user_id, "1")
    code = sent.data["code"]
    assert len(code) == 6 and code.isdigit()
    record = tables.confirmations[user_id]
    assert code.encode() not in record.code_hash and record.code_hash == code_hash(code, record.salt)


def test_given_the_emailed_code_when_confirming_then_the_pool_user_is_confirmed_and_login_works(
    world,
) -> None:
    service, _, directory, publisher, _ = world
    user_id = _sign_up(service)
    with pytest.raises(UserNotConfirmed):
        service.login(LoginRequest(email=EMAIL, password=PASSWORD))
    result = service.confirm(ConfirmRequest(email=EMAIL, code=publisher.codes_to(EMAIL)[0]))
    assert result.user_id == user_id and directory.users[user_id]["confirmed"]
    assert service.login(LoginRequest(email=EMAIL, password=PASSWORD)).id_token == "id"
    with pytest.raises(InvalidCredentials):
        service.login(LoginRequest(email=EMAIL, password="nope"))
    with pytest.raises(AlreadyConfirmed):
        service.confirm(ConfirmRequest(email=EMAIL, code=publisher.codes_to(EMAIL)[0]))


def test_given_wrong_codes_then_each_is_counted_and_the_fifth_locks_even_the_right_code(world) -> None:
    service, tables, directory, publisher, _ = world
    user_id = _sign_up(service)
    code = publisher.codes_to(EMAIL)[0]
    for left in (4, 3, 2, 1):
        with pytest.raises(CodeMismatch) as wrong:
            service.confirm(ConfirmRequest(email=EMAIL, code=_wrong(code)))
        assert wrong.value.details == {"attempts_left": left}
    with pytest.raises(CodeLocked):
        service.confirm(ConfirmRequest(email=EMAIL, code=_wrong(code)))
    with pytest.raises(CodeLocked):
        service.confirm(ConfirmRequest(email=EMAIL, code=code))
    assert tables.confirmations[user_id].failed_attempts == 5
    assert not directory.users[user_id]["confirmed"]


def test_given_a_locked_code_when_a_new_one_is_sent_then_the_new_one_confirms_and_the_old_is_dead(
    world,
) -> None:
    service, _, directory, publisher, _ = world
    user_id = _sign_up(service)
    old = publisher.codes_to(EMAIL)[0]
    for _ in range(5):
        with pytest.raises((CodeMismatch, CodeLocked)):
            service.confirm(ConfirmRequest(email=EMAIL, code=_wrong(old)))
    service.resend_code(EmailRequest(email=EMAIL))
    new = publisher.codes_to(EMAIL)[-1]
    assert publisher.published[-1].notification_id == derived_id("confirmation", user_id, "2")
    if new != old:
        with pytest.raises(CodeMismatch):
            service.confirm(ConfirmRequest(email=EMAIL, code=old))
    service.confirm(ConfirmRequest(email=EMAIL, code=new))
    assert directory.users[user_id]["confirmed"]


def test_given_fifteen_minutes_have_passed_then_the_code_has_expired(world) -> None:
    service, _, _, publisher, clock = world
    _sign_up(service)
    clock.advance(minutes=15)
    with pytest.raises(CodeExpired):
        service.confirm(ConfirmRequest(email=EMAIL, code=publisher.codes_to(EMAIL)[0]))


def test_given_five_codes_this_hour_then_a_sixth_is_refused_until_the_hour_has_passed(world) -> None:
    service, _, _, publisher, clock = world
    _sign_up(service)
    for _ in range(4):
        clock.advance(minutes=1)
        service.resend_code(EmailRequest(email=EMAIL))
    with pytest.raises(TooManyAttempts) as limited:
        service.resend_code(EmailRequest(email=EMAIL))
    assert limited.value.code == "RESEND_LIMIT_REACHED"
    assert limited.value.details["retry_after_seconds"] == 60 * 60 - 4 * 60
    clock.advance(hours=1)
    service.resend_code(EmailRequest(email=EMAIL))
    assert len(publisher.codes_to(EMAIL)) == 6


def test_given_an_unknown_email_then_resend_sends_nothing_and_confirm_is_a_mismatch(world) -> None:
    service, _, _, publisher, _ = world
    service.resend_code(EmailRequest(email="nobody@example.com"))
    assert publisher.published == []
    with pytest.raises(CodeMismatch):
        service.confirm(ConfirmRequest(email="nobody@example.com", code="123456"))


def test_given_codes_then_they_are_six_digits_and_the_hash_check_is_exact() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 150
    salt = b"s" * 16
    assert code_matches("012345", salt, code_hash("012345", salt))
    assert not code_matches("012346", salt, code_hash("012345", salt))
    assert code_hash("012345", salt) != code_hash("012345", b"t" * 16)
