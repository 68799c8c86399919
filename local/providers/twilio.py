"""A local stand-in for Twilio's Messages and Verify v2 APIs, spoken to by the official SDK.

Every SMS it accepts (including Verify codes) lands in the :class:`~local.providers.outbox.Outbox`.

Pointing the official ``twilio`` SDK (9.13) at the stand-in
-----------------------------------------------------------
The SDK has no constructor argument for the base URL. Each API domain object (``client.api`` for
``api.twilio.com``, ``client.verify`` for ``verify.twilio.com``) is created once per ``Client`` and
builds every request URL from its public ``base_url`` attribute (``twilio.base.domain.Domain``).
Set those two attributes after constructing the client; no monkeypatching is involved::

    from twilio.rest import Client

    client = Client(account_sid, auth_token)
    client.edge = None     # edge/region (also read from TWILIO_EDGE / TWILIO_REGION) make the
    client.region = None   # SDK rewrite the host name, which would mangle "127.0.0.1:<port>"
    client.api.base_url = stand_in_url      # Messages: /2010-04-01/Accounts/{Sid}/Messages.json
    client.verify.base_url = stand_in_url   # Verify:   /v2/Services/...

    client.messages.create(to="+447700900123", from_="+15005550006", body="Hi")
    client.verify.v2.services(service_sid).verifications.create(to=..., channel="sms")

Both domains may share one stand-in URL: their paths do not overlap. ``stand_in_url`` is what
:meth:`TwilioStandIn.start` returns (``http://127.0.0.1:<port>``, no trailing slash). Other
domains (``client.lookups`` etc.) are not served here. ``tests/integration/test_messaging_standins.py``
exercises this recipe, including with ``TWILIO_REGION`` set in the environment.

What the stand-in does
----------------------
* HTTP Basic auth with the account SID and auth token; anything else is 401 with error 20003.
* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form-encoded ``To``, ``From`` or
  ``MessagingServiceSid``, ``Body``) answers 201 with a Twilio message resource (status
  ``queued``; it reads back as ``delivered``). Errors: 21604 no To, 21211 To not E.164, 21603 no
  From/MessagingServiceSid, 21212 bad From, 21602 no Body, 21617 Body over 1600 characters.
  ``GET .../Messages/{Sid}.json`` and ``GET .../Messages.json`` (``To``/``From`` filters) read back.
* Verify v2: ``POST /v2/Services`` (``FriendlyName``, ``CodeLength``), ``GET /v2/Services/{Sid}``,
  ``POST /v2/Services/{Sid}/Verifications`` (``To``, ``Channel=sms``) sends a random code as an SMS
  ("Your <friendly name> verification code is: 123456") and answers ``pending``. Sending again to
  the same number re-sends the same code; the sixth send is 429 with error 60203.
  ``POST /v2/Services/{Sid}/VerificationCheck`` (``To`` or ``VerificationSid``, ``Code``) answers
  ``approved`` (and the verification is used up) or ``pending``; the fifth wrong code answers
  ``max_attempts_reached`` and removes the verification; a verification also lapses 10 minutes
  (of the injected clock) after it was created. A check without a live verification is 404 with
  error 20404. ``GET``/``POST .../Verifications/{Sid}`` fetch it or set ``Status=canceled``.
* Failure injection: :meth:`TwilioStandIn.fail_next` and :meth:`TwilioStandIn.set_outage` make
  requests fail (before authentication) with a Twilio error body, which the SDK raises as
  ``TwilioRestException``.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from local.providers.base import StandInServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from wsgiref.types import StartResponse, WSGIEnvironment

    from local.providers.outbox import Outbox

DEFAULT_ACCOUNT_SID = "AC" + "0" * 24 + "10ca1c10"
DEFAULT_AUTH_TOKEN = "local-twilio-auth-token"  # noqa: S105 - a stand-in's well-known local secret
DEFAULT_VERIFY_SENDER = "+15005550006"

VERIFICATION_TTL_SECONDS = 600
MAX_CHECK_ATTEMPTS = 5
MAX_SEND_ATTEMPTS = 5
MAX_BODY_LENGTH = 1600

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-f]{32}$")
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


class TwilioError(Exception):
    """A Twilio-shaped error response."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> Response:
        return _json(
            {
                "code": self.code,
                "message": self.message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
                "status": self.status,
            },
            status=self.status,
        )


@dataclass
class _Service:
    sid: str
    friendly_name: str
    code_length: int
    created: datetime


@dataclass
class _Verification:
    sid: str
    service_sid: str
    to: str
    channel: str
    code: str
    created_at: float
    updated: datetime
    created: datetime
    status: str = "pending"
    wrong_checks: int = 0
    send_attempts: list[dict[str, Any]] = field(default_factory=list)


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def _segments(body: str) -> int:
    gsm = all(character in _GSM_BASIC for character in body)
    single, multi = (160, 153) if gsm else (70, 67)
    if len(body) <= single:
        return 1
    return -(-len(body) // multi)


class TwilioStandIn(StandInServer):
    """Twilio Messages + Verify v2 on 127.0.0.1; SMS go to ``outbox``.

    ``clock`` returns seconds since the epoch (``time.time`` or a virtual clock).
    """

    server_name = "twilio"

    def __init__(
        self,
        outbox: Outbox,
        *,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        clock: Callable[[], float] = time.time,
        verify_sender: str = DEFAULT_VERIFY_SENDER,
    ) -> None:
        self.outbox = outbox
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.verify_sender = verify_sender
        self._clock = clock
        super().__init__()
        self._messages: dict[str, dict[str, Any]] = {}
        self._services: dict[str, _Service] = {}
        self._verifications: dict[tuple[str, str], _Verification] = {}
        self._routes = Map(
            [
                Rule("/2010-04-01/Accounts/<account>/Messages.json", endpoint="messages"),
                Rule("/2010-04-01/Accounts/<account>/Messages/<sid>.json", endpoint="message"),
                Rule("/v2/Services", endpoint="services"),
                Rule("/v2/Services/<service>", endpoint="service"),
                Rule("/v2/Services/<service>/Verifications", endpoint="verifications"),
                Rule("/v2/Services/<service>/Verifications/<sid>", endpoint="verification"),
                Rule("/v2/Services/<service>/VerificationCheck", endpoint="verification_check"),
            ],
            strict_slashes=False,
        )

    def _injected_failure(self) -> TwilioError | None:
        status = self._injected_status()
        if status is None:
            return None
        code = 20000 + status if status in (429, 500, 503) else status
        return TwilioError(status, code, "Service unavailable (injected by the local Twilio stand-in)")

    # --- WSGI ------------------------------------------------------------------------------------

    def app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        failure = self._injected_failure()
        if failure is not None:
            return failure.response()
        adapter = self._routes.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return TwilioError(404, 20404, f"The requested resource {request.path} was not found").response()
        except MethodNotAllowed:
            return TwilioError(405, 20004, "Method not allowed").response()
        except HTTPException as exc:  # pragma: no cover - routing redirects
            return TwilioError(exc.code or 400, 20001, str(exc)).response()
        try:
            self._authenticate(request)
            name = f"_{endpoint}_{request.method.lower()}"
            handler: Callable[..., Response] = getattr(self, name, None) or self._not_allowed
            return handler(request, **args)
        except TwilioError as error:
            return error.response()

    def _not_allowed(self, request: Request, **_: str) -> Response:
        raise TwilioError(405, 20004, f"Method {request.method} not allowed on {request.path}")

    def _authenticate(self, request: Request) -> None:
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or not secrets.compare_digest(auth.username or "", self.account_sid)
            or not secrets.compare_digest(auth.password or "", self.auth_token)
        ):
            raise TwilioError(401, 20003, "Authenticate")

    def _check_account(self, account: str) -> None:
        if account != self.account_sid:
            raise TwilioError(401, 20003, "Authenticate")

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    @staticmethod
    def _base(request: Request) -> str:
        return request.host_url.rstrip("/")

    # --- Messages --------------------------------------------------------------------------------

    def _messages_post(self, request: Request, account: str) -> Response:
        self._check_account(account)
        form = request.form
        to = form.get("To", "").strip()
        sender = form.get("From", "").strip()
        service_sid = form.get("MessagingServiceSid", "").strip()
        body = form.get("Body")
        if not to:
            raise TwilioError(400, 21604, "A 'To' phone number is required.")
        if not _E164.match(to):
            raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if not sender and not service_sid:
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        if sender and not (_E164.match(sender) or _ALPHANUMERIC_SENDER.match(sender)):
            raise TwilioError(400, 21212, f"Invalid From Number (caller ID): {sender}")
        if service_sid and not _MESSAGING_SERVICE_SID.match(service_sid):
            raise TwilioError(400, 21701, f"The Messaging Service Sid {service_sid} is invalid.")
        if not body and not form.get("MediaUrl") and not form.get("ContentSid"):
            raise TwilioError(400, 21602, "Message body is required.")
        body = body or ""
        if len(body) > MAX_BODY_LENGTH:
            raise TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        record = self._send_sms(
            to=to,
            sender=sender or service_sid,
            body=body,
            from_field=sender or None,
            messaging_service_sid=service_sid or None,
            metadata={"purpose": "message"},
        )
        return _json(record, status=201)

    def _send_sms(
        self,
        *,
        to: str,
        sender: str,
        body: str,
        from_field: str | None,
        messaging_service_sid: str | None,
        metadata: dict[str, Any],
    ) -> dict[str, Any]:
        sid = _sid("SM")
        now = self._now()
        stamp = format_datetime(now)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        record: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": stamp,
            "date_sent": None,
            "date_updated": stamp,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_field,
            "messaging_service_sid": messaging_service_sid,
            "num_media": "0",
            "num_segments": str(_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if messaging_service_sid and not from_field else "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": to,
            "uri": uri,
        }
        self.outbox.add(
            channel="sms",
            to=to,
            sender=sender,
            body=body,
            provider="twilio",
            provider_message_id=sid,
            sent_at=now,
            metadata=metadata,
        )
        with self._lock:
            self._messages[sid] = {**record, "status": "delivered", "date_sent": stamp}
        return record

    def _message_get(self, request: Request, account: str, sid: str) -> Response:
        self._check_account(account)
        with self._lock:
            record = self._messages.get(sid)
        if record is None:
            raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
        return _json(record)

    def _messages_get(self, request: Request, account: str) -> Response:
        self._check_account(account)
        to = request.args.get("To")
        sender = request.args.get("From")
        with self._lock:
            records = list(self._messages.values())
        records.reverse()
        found = [
            record
            for record in records
            if (to is None or record["to"] == to) and (sender is None or record["from"] == sender)
        ]
        page_size = int(request.args.get("PageSize", "50"))
        uri = request.full_path.rstrip("?")
        return _json(
            {
                "messages": found[:page_size],
                "end": max(min(len(found), page_size) - 1, 0),
                "first_page_uri": uri,
                "next_page_uri": None,
                "page": 0,
                "page_size": page_size,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            }
        )

    # --- Verify v2 -------------------------------------------------------------------------------

    def _service_json(self, request: Request, service: _Service) -> dict[str, Any]:
        return {
            "sid": service.sid,
            "account_sid": self.account_sid,
            "friendly_name": service.friendly_name,
            "code_length": service.code_length,
            "lookup_enabled": False,
            "psd2_enabled": False,
            "skip_sms_to_landlines": False,
            "dtmf_input_required": True,
            "tts_name": None,
            "do_not_share_warning_enabled": False,
            "custom_code_enabled": False,
            "push": {},
            "totp": {},
            "default_template_sid": None,
            "whatsapp": {},
            "verify_event_subscription_enabled": False,
            "date_created": _iso(service.created),
            "date_updated": _iso(service.created),
            "url": f"{self._base(request)}/v2/Services/{service.sid}",
            "links": {},
        }

    def _services_post(self, request: Request) -> Response:
        name = request.form.get("FriendlyName", "").strip()
        if not name:
            raise TwilioError(400, 20001, "Missing required parameter FriendlyName in the post body")
        length_text = request.form.get("CodeLength", "6")
        if not length_text.isdigit() or not 4 <= int(length_text) <= 10:
            raise TwilioError(400, 60200, "Invalid parameter: CodeLength must be between 4 and 10")
        service = _Service(_sid("VA"), name, int(length_text), self._now())
        with self._lock:
            self._services[service.sid] = service
        return _json(self._service_json(request, service), status=201)

    def _service_get(self, request: Request, service: str) -> Response:
        return _json(self._service_json(request, self._service(request, service)))

    def _service(self, request: Request, sid: str) -> _Service:
        with self._lock:
            found = self._services.get(sid)
        if found is None:
            raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
        return found

    def _verification_json(self, request: Request, verification: _Verification) -> dict[str, Any]:
        return {
            "sid": verification.sid,
            "service_sid": verification.service_sid,
            "account_sid": self.account_sid,
            "to": verification.to,
            "channel": verification.channel,
            "status": verification.status,
            "valid": verification.status == "approved",
            "lookup": {"carrier": None},
            "amount": None,
            "payee": None,
            "send_code_attempts": list(verification.send_attempts),
            "date_created": _iso(verification.created),
            "date_updated": _iso(verification.updated),
            "sna": None,
            "url": (
                f"{self._base(request)}/v2/Services/{verification.service_sid}"
                f"/Verifications/{verification.sid}"
            ),
        }

    def _check_json(self, verification: _Verification) -> dict[str, Any]:
        return {
            "sid": verification.sid,
            "service_sid": verification.service_sid,
            "account_sid": self.account_sid,
            "to": verification.to,
            "channel": verification.channel,
            "status": verification.status,
            "valid": verification.status == "approved",
            "amount": None,
            "payee": None,
            "sna_attempts_error_codes": [],
            "date_created": _iso(verification.created),
            "date_updated": _iso(verification.updated),
        }

    def _live(self, service_sid: str, to: str) -> _Verification | None:
        """The pending verification for (service, to), dropping it when it has lapsed."""
        key = (service_sid, to)
        verification = self._verifications.get(key)
        if verification is None:
            return None
        if self._clock() - verification.created_at >= VERIFICATION_TTL_SECONDS:
            del self._verifications[key]
            return None
        return verification

    def _verifications_post(self, request: Request, service: str) -> Response:
        found = self._service(request, service)
        to = request.form.get("To", "").strip()
        channel = request.form.get("Channel", "").strip()
        if not to:
            raise TwilioError(400, 20001, "Missing required parameter To in the post body")
        if not _E164.match(to):
            raise TwilioError(400, 60200, f"Invalid parameter `To`: {to}")
        if channel != "sms":
            raise TwilioError(
                400, 60200, f"Invalid parameter `Channel`: {channel!r} (the local stand-in sends sms only)"
            )
        name = request.form.get("CustomFriendlyName") or found.friendly_name
        now = self._now()
        with self._lock:
            verification = self._live(service, to)
            if verification is None:
                code = f"{secrets.randbelow(10**found.code_length):0{found.code_length}d}"
                verification = _Verification(
                    sid=_sid("VE"),
                    service_sid=service,
                    to=to,
                    channel=channel,
                    code=code,
                    created_at=self._clock(),
                    created=now,
                    updated=now,
                )
                self._verifications[(service, to)] = verification
            elif len(verification.send_attempts) >= MAX_SEND_ATTEMPTS:
                raise TwilioError(429, 60203, "Max send attempts reached")
            verification.send_attempts.append(
                {"attempt_sid": _sid("VL"), "channel": channel, "time": _iso(now)}
            )
            verification.updated = now
            body = f"Your {name} verification code is: {verification.code}"
            payload = self._verification_json(request, verification)
        self._send_sms(
            to=to,
            sender=self.verify_sender,
            body=body,
            from_field=self.verify_sender,
            messaging_service_sid=None,
            metadata={"purpose": "verify", "service_sid": service, "verification_sid": verification.sid},
        )
        return _json(payload, status=201)

    def _by_sid(self, service: str, sid: str) -> _Verification | None:
        for (service_sid, to), verification in list(self._verifications.items()):
            if service_sid == service and verification.sid == sid:
                return self._live(service_sid, to)
        return None

    def _verification_get(self, request: Request, service: str, sid: str) -> Response:
        self._service(request, service)
        with self._lock:
            verification = self._by_sid(service, sid)
            if verification is None:
                raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
            return _json(self._verification_json(request, verification))

    def _verification_post(self, request: Request, service: str, sid: str) -> Response:
        self._service(request, service)
        status = request.form.get("Status", "")
        if status not in ("canceled", "approved"):
            raise TwilioError(400, 60200, f"Invalid parameter `Status`: {status!r}")
        with self._lock:
            verification = self._by_sid(service, sid)
            if verification is None:
                raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
            verification.status = status
            verification.updated = self._now()
            del self._verifications[(service, verification.to)]
            return _json(self._verification_json(request, verification))

    def _verification_check_post(self, request: Request, service: str) -> Response:
        self._service(request, service)
        to = request.form.get("To", "").strip()
        verification_sid = request.form.get("VerificationSid", "").strip()
        code = request.form.get("Code", "").strip()
        if not to and not verification_sid:
            raise TwilioError(400, 60200, "Either a `To` or a `VerificationSid` must be specified")
        if not code:
            raise TwilioError(400, 20001, "Missing required parameter Code in the post body")
        with self._lock:
            verification = self._live(service, to) if to else self._by_sid(service, verification_sid)
            if verification is None:
                raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
            verification.updated = self._now()
            key = (service, verification.to)
            if secrets.compare_digest(code, verification.code):
                verification.status = "approved"
                del self._verifications[key]
            else:
                verification.wrong_checks += 1
                if verification.wrong_checks >= MAX_CHECK_ATTEMPTS:
                    verification.status = "max_attempts_reached"
                    del self._verifications[key]
            return _json(self._check_json(verification))
