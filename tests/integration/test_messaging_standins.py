"""The Twilio and SendGrid stand-ins, driven by the official SDKs through their base-URL settings."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import pytest
from python_http_client import exceptions as sendgrid_errors
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Mail
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from local.providers.outbox import Outbox, ses_messages
from local.providers.sendgrid import SendGridStandIn
from local.providers.twilio import TwilioStandIn
from tests.fakes.clock import FakeClock

BUYER_PHONE = "+447700900123"
SHOP_PHONE = "+15005550006"
CODE = re.compile(r"verification code is: (\d{6})$")


@pytest.fixture
def outbox(clock: FakeClock) -> Outbox:
    return Outbox(clock=clock)


@pytest.fixture
def twilio_stand_in(outbox: Outbox, clock: FakeClock):
    stand_in = TwilioStandIn(outbox, clock=clock)
    stand_in.start()
    yield stand_in
    stand_in.stop()


def twilio_client(stand_in: TwilioStandIn, *, auth_token: str | None = None) -> Client:
    """The recipe from local/providers/twilio.py's docstring."""
    client = Client(stand_in.account_sid, auth_token or stand_in.auth_token)
    client.edge = None
    client.region = None
    client.api.base_url = stand_in.url
    client.verify.base_url = stand_in.url
    return client


@pytest.fixture
def twilio(twilio_stand_in: TwilioStandIn) -> Client:
    return twilio_client(twilio_stand_in)


@pytest.fixture
def sendgrid_stand_in(outbox: Outbox, clock: FakeClock):
    stand_in = SendGridStandIn(outbox, clock=clock)
    stand_in.start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def sendgrid(sendgrid_stand_in: SendGridStandIn) -> SendGridAPIClient:
    """The recipe from local/providers/sendgrid.py's docstring."""
    return SendGridAPIClient(sendgrid_stand_in.api_key, host=sendgrid_stand_in.url)


def verify_code(outbox: Outbox, to: str) -> str:
    message = outbox.last(to=to, channel="sms")
    assert message is not None, f"no SMS to {to} in the outbox"
    match = CODE.search(message.body)
    assert match, message.body
    return match.group(1)


# --- Twilio Messages ----------------------------------------------------------------------------


def test_given_the_sdk_pointed_at_the_stand_in_when_an_sms_is_sent_then_it_lands_in_the_outbox(
    twilio: Client, outbox: Outbox, clock: FakeClock
) -> None:
    message = twilio.messages.create(to=BUYER_PHONE, from_=SHOP_PHONE, body="Your order R-1 has shipped")

    assert message.sid.startswith("SM")
    assert message.status == "queued"
    assert message.to == BUYER_PHONE
    sms = outbox.last(to=BUYER_PHONE)
    assert sms is not None
    assert (sms.channel, sms.sender, sms.body, sms.subject) == (
        "sms",
        SHOP_PHONE,
        "Your order R-1 has shipped",
        None,
    )
    assert (sms.provider, sms.provider_message_id) == ("twilio", message.sid)
    assert sms.sent_at == datetime.fromtimestamp(clock(), UTC)
    # And it reads back through the SDK
    fetched = twilio.messages(message.sid).fetch()
    assert (fetched.body, fetched.status) == ("Your order R-1 has shipped", "delivered")


def test_given_a_messaging_service_when_sending_without_from_then_it_is_accepted(
    twilio: Client, outbox: Outbox
) -> None:
    service_sid = "MG" + "a" * 32
    message = twilio.messages.create(to=BUYER_PHONE, messaging_service_sid=service_sid, body="Hi")
    assert message.messaging_service_sid == service_sid
    assert outbox.last(to=BUYER_PHONE).sender == service_sid


def test_given_twilio_region_in_the_environment_when_the_recipe_clears_it_then_requests_reach_the_stand_in(
    twilio_stand_in: TwilioStandIn, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    client = twilio_client(twilio_stand_in)
    client.messages.create(to=BUYER_PHONE, from_=SHOP_PHONE, body="edge cleared")
    assert outbox.last(to=BUYER_PHONE).body == "edge cleared"


def test_given_a_wrong_auth_token_when_sending_then_the_sdk_raises_401_with_twilio_error_20003(
    twilio_stand_in: TwilioStandIn, outbox: Outbox
) -> None:
    client = twilio_client(twilio_stand_in, auth_token="not-the-token")
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=BUYER_PHONE, from_=SHOP_PHONE, body="x")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert len(outbox) == 0


def test_given_a_number_that_is_not_e164_when_sending_then_error_21211(
    twilio: Client, outbox: Outbox
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        twilio.messages.create(to="07700 900123", from_=SHOP_PHONE, body="x")
    assert (caught.value.status, caught.value.code) == (400, 21211)
    assert "Invalid 'To' Phone Number" in caught.value.msg
    assert len(outbox) == 0


def test_given_no_body_when_sending_then_error_21602(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        twilio.messages.create(to=BUYER_PHONE, from_=SHOP_PHONE)
    assert (caught.value.status, caught.value.code) == (400, 21602)


def test_given_no_sender_when_sending_then_error_21603(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        twilio.messages.create(to=BUYER_PHONE, body="x")
    assert caught.value.code == 21603


def test_given_the_raw_error_body_then_it_has_twilios_shape(twilio_stand_in: TwilioStandIn) -> None:
    import requests

    response = requests.post(
        f"{twilio_stand_in.url}/2010-04-01/Accounts/{twilio_stand_in.account_sid}/Messages.json",
        data={"To": "nope", "From": SHOP_PHONE, "Body": "x"},
        auth=(twilio_stand_in.account_sid, twilio_stand_in.auth_token),
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": 21211,
        "message": "Invalid 'To' Phone Number: nope",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }


def test_given_fail_next_when_sending_twice_then_the_first_raises_503_and_the_second_succeeds(
    twilio: Client, twilio_stand_in: TwilioStandIn, outbox: Outbox
) -> None:
    twilio_stand_in.fail_next(1, status=503)
    with pytest.raises(TwilioRestException) as caught:
        twilio.messages.create(to=BUYER_PHONE, from_=SHOP_PHONE, body="first")
    assert (caught.value.status, caught.value.code) == (503, 20503)
    twilio.messages.create(to=BUYER_PHONE, from_=SHOP_PHONE, body="second")
    assert [m.body for m in outbox.list()] == ["second"]


def test_given_an_outage_when_sending_then_5xx_until_it_ends(
    twilio: Client, twilio_stand_in: TwilioStandIn, outbox: Outbox
) -> None:
    twilio_stand_in.set_outage(True)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            twilio.messages.create(to=BUYER_PHONE, from_=SHOP_PHONE, body="x")
        assert caught.value.status == 503
    twilio_stand_in.set_outage(False)
    twilio.messages.create(to=BUYER_PHONE, from_=SHOP_PHONE, body="back")
    assert len(outbox) == 1


# --- Twilio Verify -------------------------------------------------------------------------------


@pytest.fixture
def verify_service(twilio: Client):
    return twilio.verify.v2.services.create(friendly_name="Resale")


def test_given_a_verification_when_the_code_from_the_outbox_is_checked_then_approved(
    twilio: Client, verify_service, outbox: Outbox
) -> None:
    started = twilio.verify.v2.services(verify_service.sid).verifications.create(
        to=BUYER_PHONE, channel="sms"
    )
    assert (started.status, started.channel, started.to) == ("pending", "sms", BUYER_PHONE)

    sms = outbox.last(to=BUYER_PHONE, channel="sms")
    assert sms.body.startswith("Your Resale verification code is: ")
    code = verify_code(outbox, BUYER_PHONE)

    check = twilio.verify.v2.services(verify_service.sid).verification_checks.create(
        to=BUYER_PHONE, code=code
    )
    assert (check.status, check.valid) == ("approved", True)
    # Then the verification is used up
    with pytest.raises(TwilioRestException) as caught:
        twilio.verify.v2.services(verify_service.sid).verification_checks.create(to=BUYER_PHONE, code=code)
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_given_two_verifications_then_codes_are_random_six_digit(
    twilio: Client, verify_service, outbox: Outbox
) -> None:
    codes = set()
    for index in range(8):
        phone = f"+4477009001{index:02d}"
        twilio.verify.v2.services(verify_service.sid).verifications.create(to=phone, channel="sms")
        codes.add(verify_code(outbox, phone))
    assert len(codes) > 1


def test_given_a_wrong_code_when_checked_then_still_pending(
    twilio: Client, verify_service, outbox: Outbox
) -> None:
    service = twilio.verify.v2.services(verify_service.sid)
    service.verifications.create(to=BUYER_PHONE, channel="sms")
    code = verify_code(outbox, BUYER_PHONE)
    wrong = "000000" if code != "000000" else "111111"

    check = service.verification_checks.create(to=BUYER_PHONE, code=wrong)
    assert (check.status, check.valid) == ("pending", False)
    # And the right code still works afterwards
    assert service.verification_checks.create(to=BUYER_PHONE, code=code).status == "approved"


def test_given_five_wrong_codes_when_checking_again_then_404_20404(
    twilio: Client, verify_service, outbox: Outbox
) -> None:
    service = twilio.verify.v2.services(verify_service.sid)
    service.verifications.create(to=BUYER_PHONE, channel="sms")
    code = verify_code(outbox, BUYER_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    statuses = [service.verification_checks.create(to=BUYER_PHONE, code=wrong).status for _ in range(5)]
    assert statuses == ["pending"] * 4 + ["max_attempts_reached"]

    with pytest.raises(TwilioRestException) as caught:
        service.verification_checks.create(to=BUYER_PHONE, code=code)
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_given_ten_minutes_pass_when_checking_the_right_code_then_404(
    twilio: Client, verify_service, outbox: Outbox, clock: FakeClock
) -> None:
    service = twilio.verify.v2.services(verify_service.sid)
    service.verifications.create(to=BUYER_PHONE, channel="sms")
    code = verify_code(outbox, BUYER_PHONE)
    clock.advance(600)
    with pytest.raises(TwilioRestException) as caught:
        service.verification_checks.create(to=BUYER_PHONE, code=code)
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_given_five_sends_when_sending_a_sixth_then_429_60203_and_resends_carry_the_same_code(
    twilio: Client, verify_service, outbox: Outbox
) -> None:
    service = twilio.verify.v2.services(verify_service.sid)
    for _ in range(5):
        service.verifications.create(to=BUYER_PHONE, channel="sms")
    codes = {CODE.search(m.body).group(1) for m in outbox.list(to=BUYER_PHONE)}
    assert len(codes) == 1
    with pytest.raises(TwilioRestException) as caught:
        service.verifications.create(to=BUYER_PHONE, channel="sms")
    assert (caught.value.status, caught.value.code) == (429, 60203)


def test_given_a_number_that_is_not_e164_when_starting_a_verification_then_60200_and_nothing_is_sent(
    twilio: Client, verify_service, outbox: Outbox
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        twilio.verify.v2.services(verify_service.sid).verifications.create(to="07700900123", channel="sms")
    assert (caught.value.status, caught.value.code) == (400, 60200)
    assert len(outbox) == 0


def test_given_an_unknown_service_when_starting_a_verification_then_404(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        twilio.verify.v2.services("VA" + "0" * 32).verifications.create(to=BUYER_PHONE, channel="sms")
    assert caught.value.status == 404


# --- SendGrid ------------------------------------------------------------------------------------


def order_mail(**overrides) -> Mail:
    fields = {
        "from_email": "orders@resale.example",
        "to_emails": ["buyer@example.com", "second@example.com"],
        "subject": "Order R-1 confirmed",
        "plain_text_content": "Thanks for your order R-1.",
        "html_content": "<p>Thanks for your order <b>R-1</b>.</p>",
    }
    fields.update(overrides)
    return Mail(**fields)


def test_given_the_sdk_pointed_at_the_stand_in_when_mail_is_sent_then_each_recipient_has_text_and_html(
    sendgrid: SendGridAPIClient, outbox: Outbox, clock: FakeClock
) -> None:
    response = sendgrid.send(order_mail())

    assert response.status_code == 202
    assert response.body in (b"", "")
    message_id = response.headers["X-Message-Id"]
    assert message_id
    rows = outbox.list(channel="email")
    assert sorted(m.to for m in rows) == ["buyer@example.com", "second@example.com"]
    mail = outbox.last(to="BUYER@example.com")  # addresses match case-insensitively
    assert (mail.sender, mail.subject, mail.body, mail.html) == (
        "orders@resale.example",
        "Order R-1 confirmed",
        "Thanks for your order R-1.",
        "<p>Thanks for your order <b>R-1</b>.</p>",
    )
    assert (mail.provider, mail.provider_message_id) == ("sendgrid", message_id)
    assert mail.sent_at == datetime.fromtimestamp(clock(), UTC)


def test_given_html_only_content_then_the_outbox_body_is_derived_text(
    sendgrid: SendGridAPIClient, outbox: Outbox
) -> None:
    sendgrid.send(order_mail(plain_text_content=None, to_emails="buyer@example.com"))
    assert outbox.last(to="buyer@example.com").body == "Thanks for your order R-1."


def test_given_a_payload_without_subject_or_valid_recipient_when_sent_then_400_lists_each_error(
    sendgrid: SendGridAPIClient, outbox: Outbox
) -> None:
    payload = {
        "personalizations": [{"to": [{"email": "not-an-address"}]}],
        "from": {"email": "orders@resale.example"},
        "content": [{"type": "text/plain", "value": "x"}],
    }
    with pytest.raises(sendgrid_errors.BadRequestsError) as caught:
        sendgrid.send(payload)
    errors = caught.value.to_dict["errors"]
    assert {e["field"] for e in errors} == {"personalizations.0.to.0.email", "subject"}
    assert all(set(e) == {"message", "field", "help"} for e in errors)
    assert len(outbox) == 0


def valid_payload() -> dict:
    return {
        "personalizations": [{"to": [{"email": "a@example.com"}]}],
        "from": {"email": "orders@resale.example"},
        "subject": "s",
        "content": [{"type": "text/plain", "value": "x"}],
    }


PLAIN = {"type": "text/plain", "value": "x"}
HTML = {"type": "text/html", "value": "<p>x</p>"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"personalizations": None}, "personalizations"),
        ({"personalizations": [{"to": []}]}, "personalizations.0.to"),
        ({"personalizations": [{"to": [{"email": "a@example.com"}], "cc": [{"email": "A@example.com"}]}]},
         "personalizations.0.cc"),
        ({"from": None}, "from.email"),
        ({"from": {"email": "nobody"}}, "from.email"),
        ({"content": None}, "content"),
        ({"content": [HTML, PLAIN]}, "content"),
        ({"content": [{"type": "text/plain", "value": ""}]}, "content.0.value"),
    ],
)  # fmt: skip
def test_given_an_invalid_v3_payload_when_sent_then_400_names_the_field(
    sendgrid: SendGridAPIClient, change: dict, field: str
) -> None:
    payload = {key: value for key, value in {**valid_payload(), **change}.items() if value is not None}
    with pytest.raises(sendgrid_errors.BadRequestsError) as caught:
        sendgrid.send(payload)
    assert field in [e["field"] for e in json.loads(caught.value.body)["errors"]]


def test_given_a_subject_per_personalization_and_a_template_then_accepted(
    sendgrid: SendGridAPIClient, outbox: Outbox
) -> None:
    payload = {
        "personalizations": [
            {"to": [{"email": "a@example.com"}], "subject": "For A"},
            {"to": [{"email": "b@example.com"}], "dynamic_template_data": {"order": "R-2"}},
        ],
        "from": {"email": "orders@resale.example"},
        "template_id": "d-1234",
    }
    assert sendgrid.send(payload).status_code == 202
    assert outbox.last(to="a@example.com").subject == "For A"
    b = outbox.last(to="b@example.com")
    assert b.metadata["dynamic_template_data"] == {"order": "R-2"}
    assert "R-2" in b.body


def test_given_a_wrong_api_key_when_sending_then_401(
    sendgrid_stand_in: SendGridStandIn, outbox: Outbox
) -> None:
    client = SendGridAPIClient("SG.wrong", host=sendgrid_stand_in.url)
    with pytest.raises(sendgrid_errors.UnauthorizedError) as caught:
        client.send(order_mail())
    assert caught.value.to_dict["errors"][0]["message"].startswith("The provided authorization grant")
    assert len(outbox) == 0


def test_given_an_outage_or_fail_next_when_sending_then_the_sdk_raises_5xx(
    sendgrid: SendGridAPIClient, sendgrid_stand_in: SendGridStandIn, outbox: Outbox
) -> None:
    sendgrid_stand_in.set_outage(True)
    with pytest.raises(sendgrid_errors.ServiceUnavailableError):
        sendgrid.send(order_mail())
    sendgrid_stand_in.set_outage(False)
    sendgrid_stand_in.fail_next(1, status=500)
    with pytest.raises(sendgrid_errors.InternalServerError):
        sendgrid.send(order_mail())
    assert len(outbox) == 0
    assert sendgrid.send(order_mail()).status_code == 202
    assert len(outbox) == 2


# --- Outbox ----------------------------------------------------------------------------------------


def test_given_messages_at_different_times_then_list_is_newest_first_and_filters(
    outbox: Outbox, clock: FakeClock
) -> None:
    outbox.add(channel="sms", to="+1555", sender="s", body="one", provider="twilio", provider_message_id="1")
    clock.advance(1)
    outbox.add(
        channel="email",
        to="a@example.com",
        sender="s@example.com",
        subject="two",
        body="two",
        provider="sendgrid",
        provider_message_id="2",
    )
    clock.advance(1)
    outbox.add(
        channel="sms", to="+1555", sender="s", body="three", provider="twilio", provider_message_id="3"
    )

    assert [m.body for m in outbox.list()] == ["three", "two", "one"]
    assert [m.body for m in outbox.list(to="+1555")] == ["three", "one"]
    assert [m.body for m in outbox.list(channel="email")] == ["two"]
    assert [m.body for m in outbox.list(limit=1)] == ["three"]
    rows = outbox.to_json()
    assert rows[0]["sent_at"] == "2026-11-23T12:00:02Z"  # the clock starts at tests.fakes.clock.T0
    assert rows[0]["subject"] is None
    outbox.clear()
    assert outbox.list() == []


# --- SES through moto --------------------------------------------------------------------------------


def test_given_moto_keeps_ses_mail_in_its_backend_then_sent_messages_is_still_there() -> None:
    """Guards the moto internal that ses_messages reads (moto 5.2.5)."""
    from moto.ses.models import SESBackend, ses_backends

    backend = ses_backends["123456789012"]["us-east-1"]
    assert isinstance(backend, SESBackend)
    assert isinstance(backend.sent_messages, list), "moto moved SESBackend.sent_messages"


def test_given_mail_sent_through_moto_ses_when_reading_then_it_shows_in_the_outbox(
    outbox: Outbox, clock: FakeClock, cloud
) -> None:
    # moto's state is process-wide: use the session's local cloud (a second mock would reset it)
    tag = uuid.uuid4().hex[:8]
    buyer, cc, raw_to = f"buyer-{tag}@example.com", f"cc-{tag}@example.com", f"raw-{tag}@example.com"
    ses = cloud.aws.client("ses")
    ses.verify_email_identity(EmailAddress="noreply@resale.example")
    sent = ses.send_email(
        Source="noreply@resale.example",
        Destination={"ToAddresses": [buyer], "CcAddresses": [cc]},
        Message={"Subject": {"Data": "Receipt"}, "Body": {"Text": {"Data": "Paid 12.00 EUR"}}},
    )
    ses.send_raw_email(
        Source="noreply@resale.example",
        Destinations=[raw_to],
        RawMessage={
            "Data": (
                f"From: noreply@resale.example\r\nTo: {raw_to}\r\nSubject: Raw one\r\n"
                'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n'
                "--b\r\nContent-Type: text/plain\r\n\r\nplain part\r\n"
                "--b\r\nContent-Type: text/html\r\n\r\n<p>html part</p>\r\n--b--\r\n"
            )
        },
    )
    account, region = cloud.aws.account_id, cloud.aws.region

    rows = [r for r in ses_messages(account, region) if tag in r.to]
    assert sorted(r.to for r in rows) == sorted([buyer, cc, raw_to])
    receipt = next(r for r in rows if r.to == buyer)
    assert (receipt.provider, receipt.provider_message_id) == ("ses", sent["MessageId"])
    assert (receipt.subject, receipt.body, receipt.sender) == (
        "Receipt",
        "Paid 12.00 EUR",
        "noreply@resale.example",
    )
    raw = next(r for r in rows if r.to == raw_to)
    assert (raw.subject, raw.body.strip(), raw.html.strip()) == (
        "Raw one",
        "plain part",
        "<p>html part</p>",
    )

    copied = outbox.sync_ses(account, region)
    assert copied >= 3
    assert outbox.sync_ses(account, region) == 0  # already copied
    assert outbox.last(to=buyer).sent_at == datetime.fromtimestamp(clock(), UTC)
