"""A local stand-in for SendGrid's v3 Mail Send API, spoken to by the official SDK.

Every accepted email lands in the :class:`~local.providers.outbox.Outbox`, one row per recipient.

Pointing the official ``sendgrid`` SDK (6.12.5) at the stand-in
----------------------------------------------------------------
``SendGridAPIClient`` takes the base URL as its ``host`` argument and appends ``/v3/...`` itself
(``python_http_client.Client`` builds ``{host}/v3/mail/send``). Pass it at construction: the
underlying HTTP client is built in ``__init__``, so changing ``.host`` afterwards has no effect,
and do not call ``set_sendgrid_data_residency`` (it resets the host to sendgrid.com)::

    from sendgrid import SendGridAPIClient
    from sendgrid.helpers.mail import Mail

    client = SendGridAPIClient(api_key, host=stand_in_url)   # stand_in_url = SendGridStandIn.start()
    client.send(Mail(from_email=..., to_emails=..., subject=..., plain_text_content=...,
                     html_content=...))

Errors surface as ``python_http_client.exceptions.HTTPError`` subclasses (``BadRequestsError``,
``UnauthorizedError``, ``ServiceUnavailableError``, ...) whose ``.body`` is SendGrid's JSON.
``tests/integration/test_messaging_standins.py`` exercises this recipe.

What the stand-in does
----------------------
* ``POST /v3/mail/send`` with ``Authorization: Bearer <api key>``: no header is 401
  "authorization required"; another key is 401 "The provided authorization grant is invalid,
  expired, or revoked".
* Validates the v3 payload the way SendGrid reports it: 400 ``{"errors": [{"message", "field",
  "help"}]}`` listing every problem found (personalizations and their ``to`` lists, e-mail
  addresses, unique recipients per personalization, ``from.email``, a subject per
  personalization or at the top level, ``content`` blocks with text/plain first, or a
  ``template_id``).
* Accepted: 202, empty body, an ``X-Message-Id`` header; every to/cc/bcc recipient of every
  personalization gets an outbox row (text and html; legacy ``substitutions`` applied; with only
  HTML content, the text is derived from it as SendGrid does). ``mail_settings.sandbox_mode.enable``
  validates and answers 200 without sending, as SendGrid does.
* Failure injection: :meth:`SendGridStandIn.fail_next` and :meth:`SendGridStandIn.set_outage`
  make requests fail (before authentication) with a SendGrid error body.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import secrets
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from local.providers.base import StandInServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from wsgiref.types import StartResponse, WSGIEnvironment

    from local.providers.outbox import Outbox

DEFAULT_API_KEY = "SG.local-stand-in.0000000000000000000000000000000000000000000"

MAX_PERSONALIZATIONS = 1000
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|tr|table)>|<br\s*/?>", re.IGNORECASE)
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.IGNORECASE | re.DOTALL)


class _Problems:
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, message: str, field: str | None, anchor: str) -> None:
        self.errors.append({"message": message, "field": field, "help": f"{_HELP}#{anchor}"})


def _errors(status: int, errors: list[dict[str, Any]]) -> Response:
    return Response(json.dumps({"errors": errors}), status=status, mimetype="application/json")


def _plain(error_message: str) -> list[dict[str, Any]]:
    return [{"message": error_message, "field": None, "help": None}]


def html_to_text(markup: str) -> str:
    """A readable plain-text rendering of an HTML body (what SendGrid's plain-content setting does)."""
    text = _SCRIPT_OR_STYLE.sub("", markup)
    text = _BLOCK_END.sub("\n", text)
    text = html_lib.unescape(_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _validate_personalization(index: int, personalization: Any, problems: _Problems) -> None:
    field = f"personalizations.{index}"
    if not isinstance(personalization, dict):
        problems.add("A personalization must be an object.", field, "-Personalizations-Errors")
        return
    to = personalization.get("to")
    if not isinstance(to, list) or not to:
        problems.add(
            "The to array is required for all personalization objects, and must have at least "
            "one email object with a valid email address.",
            f"{field}.to",
            "message.personalizations.to",
        )
    seen: set[str] = set()
    for role in ("to", "cc", "bcc"):
        for position, recipient in enumerate(_as_list(personalization.get(role))):
            address = recipient.get("email") if isinstance(recipient, dict) else None
            if not isinstance(address, str) or not _EMAIL.match(address):
                problems.add(
                    "Does not contain a valid address.",
                    f"{field}.{role}.{position}.email",
                    f"message.personalizations.{role}",
                )
                continue
            if address.casefold() in seen:
                problems.add(
                    "Each email address in the personalization block should be unique between "
                    "to, cc, and bcc. We found the first duplicate instance of "
                    f"[{address}] in the personalizations.{index}.{role} field.",
                    f"{field}.{role}",
                    "message.recipient-errors",
                )
            seen.add(address.casefold())


def _validate(payload: Any) -> list[dict[str, Any]]:
    """SendGrid's v3 mail/send validation; returns the errors (empty when the payload is good)."""
    problems = _Problems()
    if not isinstance(payload, dict):
        problems.add("The request body must be a JSON object.", None, "message")
        return problems.errors
    template_id = payload.get("template_id")
    personalizations = payload.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        problems.add(
            "The personalizations field is required and must have at least one personalization.",
            "personalizations",
            "-Personalizations-Errors",
        )
        personalizations = []
    elif len(personalizations) > MAX_PERSONALIZATIONS:
        problems.add(
            "The personalizations field must have fewer than 1000 personalizations.",
            "personalizations",
            "-Personalizations-Errors",
        )
    top_subject = payload.get("subject")
    for index, personalization in enumerate(personalizations):
        _validate_personalization(index, personalization, problems)
    sender = payload.get("from")
    sender_email = sender.get("email") if isinstance(sender, dict) else None
    if sender_email is None:
        problems.add(
            "The from object must be provided for every email send. It is an object that requires "
            "the email parameter, but may also contain a name parameter.",
            "from.email",
            "message.from",
        )
    elif not isinstance(sender_email, str) or not _EMAIL.match(sender_email):
        problems.add("The from email does not contain a valid address.", "from.email", "message.from")
    if not template_id:
        every_has_subject = bool(personalizations) and all(
            isinstance(p, dict) and isinstance(p.get("subject"), str) and p["subject"]
            for p in personalizations
        )
        if not (isinstance(top_subject, str) and top_subject) and not every_has_subject:
            problems.add(
                "The subject is required. You can get around this requirement if you use a template "
                "with a subject defined or if every personalization has a subject defined.",
                "subject",
                "message.subject",
            )
    elif not isinstance(template_id, str):
        problems.add("The template_id must be a string.", "template_id", "message.template_id")
    _validate_content(payload.get("content"), bool(template_id), problems)
    return problems.errors


def _validate_content(content: Any, has_template: bool, problems: _Problems) -> None:
    if content is None or (isinstance(content, list) and not content):
        if not has_template:
            problems.add(
                "Unless a valid template_id is provided, the content parameter is required. There "
                "must be at least one defined content block. We typically suggest both text/plain "
                "and text/html blocks are included, but only one block is required.",
                "content",
                "message.content",
            )
        return
    if not isinstance(content, list):
        problems.add("The content parameter must be an array.", "content", "message.content")
        return
    types: list[str] = []
    for index, block in enumerate(content):
        block_type = block.get("type") if isinstance(block, dict) else None
        value = block.get("value") if isinstance(block, dict) else None
        if not isinstance(block_type, str) or not block_type:
            problems.add(
                "The content type cannot contain ';', or CRLF characters, and must be at least one "
                "character in length.",
                f"content.{index}.type",
                "message.content.type",
            )
            continue
        if not isinstance(value, str) or not value:
            problems.add(
                "The content value must be a string at least one character in length.",
                f"content.{index}.value",
                "message.content.value",
            )
        types.append(block_type.lower())
    ordered = [t for t in types if t == "text/plain"] + [t for t in types if t == "text/html"]
    if types[: len(ordered)] != ordered or types.count("text/plain") > 1 or types.count("text/html") > 1:
        problems.add(
            "If present, text/plain and text/html may only be provided once, text/plain content "
            "must be first, followed by text/html, followed by any other content.",
            "content",
            "message.content.type",
        )


def _substitute(text: str | None, substitutions: Any) -> str | None:
    if text is None or not isinstance(substitutions, dict):
        return text
    for key, value in substitutions.items():
        text = text.replace(str(key), str(value))
    return text


def _content(blocks: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    text: str | None = None
    html: str | None = None
    for block in blocks:
        block_type = str(block["type"]).lower()
        if block_type == "text/plain" and text is None:
            text = block["value"]
        elif block_type == "text/html" and html is None:
            html = block["value"]
    return text, html


def _metadata(
    common: dict[str, Any], index: int, role: str, personalization: dict[str, Any], recipient: dict[str, Any]
) -> dict[str, Any]:
    metadata = {**common, "personalization": index, "role": role}
    if recipient.get("name"):
        metadata["to_name"] = recipient["name"]
    for key in ("dynamic_template_data", "custom_args", "headers", "send_at"):
        if key in personalization:
            metadata[key] = personalization[key]
    return metadata


class SendGridStandIn(StandInServer):
    """SendGrid v3 mail/send on 127.0.0.1; emails go to ``outbox``.

    ``clock`` returns seconds since the epoch (``time.time`` or a virtual clock).
    """

    server_name = "sendgrid"

    def __init__(
        self,
        outbox: Outbox,
        *,
        api_key: str = DEFAULT_API_KEY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.outbox = outbox
        self.api_key = api_key
        self._clock = clock
        super().__init__()

    # --- WSGI ------------------------------------------------------------------------------------

    def app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        response = self._dispatch(Request(environ))
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        status = self._injected_status()
        if status is not None:
            return _errors(status, _plain("Service unavailable (injected by the local SendGrid stand-in)"))
        refused = self._route_error(request) or self._auth_error(request.headers.get("Authorization", ""))
        if refused is not None:
            return refused
        try:
            payload = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            payload = None
            problems = _plain("Bad Request: the body is not valid JSON")
        else:
            problems = _validate(payload)
        if problems:
            return _errors(400, problems)
        if (payload.get("mail_settings") or {}).get("sandbox_mode", {}).get("enable"):
            return Response(status=200)
        message_id = secrets.token_urlsafe(16)[:22]
        self._deliver(payload, message_id)
        response = Response(status=202)
        response.headers["X-Message-Id"] = message_id
        return response

    @staticmethod
    def _route_error(request: Request) -> Response | None:
        if request.path.rstrip("/") != "/v3/mail/send":
            return _errors(404, _plain("not found"))
        if request.method != "POST":
            return _errors(405, _plain("method not allowed"))
        return None

    def _auth_error(self, header: str) -> Response | None:
        if not header:
            return _errors(401, _plain("authorization required"))
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(key.strip(), self.api_key):
            return _errors(401, _plain("The provided authorization grant is invalid, expired, or revoked"))
        return None

    def _deliver(self, payload: dict[str, Any], message_id: str) -> None:
        sent_at = datetime.fromtimestamp(self._clock(), UTC)
        sender = payload["from"]["email"]
        text, html = _content(payload.get("content") or [])
        template_id = payload.get("template_id")
        common: dict[str, Any] = {
            key: payload[key]
            for key in ("categories", "custom_args", "reply_to", "send_at", "asm", "headers")
            if key in payload
        }
        if template_id:
            common["template_id"] = template_id
        for index, personalization in enumerate(payload["personalizations"]):
            substitutions = personalization.get("substitutions")
            subject = _substitute(personalization.get("subject") or payload.get("subject"), substitutions)
            data = personalization.get("dynamic_template_data")
            if template_id and not subject:
                subject = f"[template {template_id}]"
            body = _substitute(text, substitutions)
            markup = _substitute(html, substitutions)
            if body is None:
                if markup is not None:
                    body = html_to_text(markup)
                else:
                    body = f"[template {template_id}] {json.dumps(data or {}, sort_keys=True)}"
            for role in ("to", "cc", "bcc"):
                for recipient in personalization.get(role) or []:
                    self.outbox.add(
                        channel="email",
                        to=recipient["email"],
                        sender=sender,
                        subject=subject,
                        body=body,
                        html=markup,
                        provider="sendgrid",
                        provider_message_id=message_id,
                        sent_at=sent_at,
                        metadata=_metadata(common, index, role, personalization, recipient),
                    )
