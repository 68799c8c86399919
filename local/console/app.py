"""The local console: a WSGI app for people, mounted by the API emulator under ``/_local``.

Routes (relative to the mount point):

* ``GET /console`` executions per state machine, newest first, refreshing itself;
* ``GET /console/executions/<execution-arn>`` event history and the coloured state graph;
* ``GET /console/outbox`` every email and SMS, newest first (``?to=``, ``?channel=``);
* ``GET /outbox`` the same as JSON: ``{"items": [...]}``;
* ``GET /console/queues`` SQS queues with visible / in-flight counts, DLQs and a peek into them;
* ``POST /console/clock`` the clock form on every page (``preset`` or ``seconds``, ``next``):
  advances the local cloud's clock, then redirects back (303);
* ``GET /clock`` the local cloud's time as JSON; ``POST /clock/advance`` ``{"seconds": N}``
  moves it and answers once what fell due has run (:class:`local.cloud.clock.ClockControl`).

Every page shows the local cloud's time. Everything is server-rendered HTML with inline CSS: no
scripts, no external fetches.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlencode

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from local.cloud.clock import MAX_ADVANCE_S, check_advance
from local.console.graph import OUTCOME_LABELS, render_graph, state_outcomes
from local.console.pages import (
    clock_bar,
    collapsed,
    duration,
    page,
    pretty,
    status_badge,
    table,
    when,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from local.cloud.clock import Advanced, ClockControl
    from local.providers.outbox import Channel, Outbox

MOUNT = "/_local"
REFRESH_SECONDS = 5
EXECUTIONS_PER_MACHINE = 50
DLQ_PEEK = 10
#: the largest JSON body ``POST /clock/advance`` reads
MAX_CLOCK_BODY_BYTES = 1024


@dataclass(frozen=True)
class ConsoleContext:
    """What the console reads. The clients are boto3 clients for the local cloud.

    ``state_machine_definitions(name)`` returns a state machine's ASL as a dict (e.g. read from
    ``statemachines/``); when it is None, raises KeyError or returns None, the definition comes
    from DescribeStateMachineForExecution. ``ses_sources`` lists (account id, region) pairs whose
    moto SES mail is copied into the outbox before it is shown. ``clock`` (seconds since the epoch)
    measures how long running executions have been running and is the time every page shows;
    ``time`` (the local cloud's :class:`~local.cloud.clock.ClockControl`) serves ``/clock`` and
    the form that advances it (without it, pages show the time only).
    """

    stepfunctions: Any
    sqs: Any
    outbox: Outbox
    state_machine_definitions: Callable[[str], dict[str, Any]] | None = None
    ses_sources: Sequence[tuple[str, str]] = ()
    clock: Callable[[], float] = time.time
    time: ClockControl | None = None


def make_console_app(ctx: ConsoleContext) -> WSGIApplication:
    """The console as a WSGI app for ``/_local``.

    Mount it with a dispatcher that strips the prefix (``SCRIPT_NAME=/_local``, ``PATH_INFO=/console``)
    or hand it the whole path (``PATH_INFO=/_local/console``): both work, and links keep the prefix.
    """
    return _Console(ctx)


_ROUTES = Map(
    [
        Rule("/console", endpoint="executions"),
        Rule("/console/executions/<path:arn>", endpoint="execution"),
        Rule("/console/outbox", endpoint="outbox_page"),
        Rule("/console/queues", endpoint="queues"),
        Rule("/console/clock", endpoint="clock_form"),
        Rule("/outbox", endpoint="outbox_json"),
        Rule("/clock", endpoint="clock_json"),
        Rule("/clock/advance", endpoint="clock_advance"),
    ],
    strict_slashes=False,
)


# pages load nothing from anywhere: no scripts, no fonts, no images from the network
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; form-action 'self'"


def _html(text: str, status: int = 200) -> Response:
    response = Response(text, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = _CSP
    return response


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")


def _api_error(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    """An error in the API's shape (``{"error": {"code", "message", "details"?}}``)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return _json({"error": error}, status)


def _cross_site(request: Request) -> bool:
    """A browser's POST from another site (its ``Origin`` names another host): refused, so no web
    page a developer visits can move their clock."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin == "null"
    return origin.split("://", 1)[-1].rstrip("/") != request.host


class _Console:
    def __init__(self, ctx: ConsoleContext) -> None:
        self.ctx = ctx

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path == MOUNT or path.startswith(MOUNT + "/"):
            # handed the whole path (not stripped by a dispatcher): treat /_local as the mount point
            environ = {
                **environ,
                "SCRIPT_NAME": str(environ.get("SCRIPT_NAME", "")).rstrip("/") + MOUNT,
                "PATH_INFO": path[len(MOUNT) :],
            }
        request = Request(environ)
        try:
            endpoint, args = _ROUTES.bind_to_environ(environ).match()
            handler: Callable[..., Response] = getattr(self, f"_{endpoint}")
            response = handler(request, **args)
        except NotFound:
            response = _html(
                self._message_page(request, "Not found", f"No console page at {request.path}."), 404
            )
        except HTTPException as exc:
            response = exc.get_response(environ)
        return response(environ, start_response)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.ctx.clock(), UTC)

    @staticmethod
    def _root(request: Request) -> str:
        return request.script_root.rstrip("/")

    def _page(self, request: Request, title: str, body: str, *, refresh_seconds: int | None = None) -> str:
        """A page with the clock on top: the time, and the form that advances it (when there is one)."""
        root = self._root(request)
        here = root + request.full_path.rstrip("?") if request.method == "GET" else f"{root}/console"
        bar = clock_bar(
            self._now(),
            advanced_s=self.ctx.time.clock.advanced_s if self.ctx.time is not None else None,
            action=f"{root}/console/clock" if self.ctx.time is not None else None,
            back_to=here,
            max_seconds=MAX_ADVANCE_S,
        )
        return page(title, body, root=root, refresh_seconds=refresh_seconds, clock=bar)

    def _message_page(self, request: Request, title: str, text: str) -> str:
        return self._page(request, title, f"<p>{escape(text)}</p>")

    # --- the clock --------------------------------------------------------------------------------

    def _clock_json(self, request: Request) -> Response:
        if self.ctx.time is None:
            return _api_error(404, "ROUTE_NOT_FOUND", "This local cloud has no clock to show.")
        if request.method not in ("GET", "HEAD"):
            return _api_error(405, "METHOD_NOT_ALLOWED", "GET /_local/clock shows the time.")
        return _json(self.ctx.time.reading())

    def _clock_advance(self, request: Request) -> Response:
        control = self.ctx.time
        if control is None:
            return _api_error(404, "ROUTE_NOT_FOUND", "This local cloud has no clock to advance.")
        if request.method != "POST":
            return _api_error(
                405, "METHOD_NOT_ALLOWED", 'POST /_local/clock/advance with {"seconds": N} moves the clock.'
            )
        if _cross_site(request):
            return _api_error(
                403, "FORBIDDEN", "The clock is moved from this machine only, not from a web page."
            )
        seconds = _seconds_to_advance(request)
        if isinstance(seconds, Response):
            return seconds
        advanced = control.advance(seconds)
        return _json({**control.reading(), **_advanced_json(advanced)})

    def _clock_form(self, request: Request) -> Response:
        root = self._root(request)
        if self.ctx.time is None:
            return _html(
                self._message_page(request, "No clock", "This local cloud has no clock to advance."), 404
            )
        if request.method != "POST":
            return _html(self._message_page(request, "Use the form", "The clock form posts here."), 405)
        if _cross_site(request):
            return _html(
                self._message_page(request, "Refused", "The clock is moved from the console only."), 403
            )
        text = (request.form.get("preset") or request.form.get("seconds") or "").strip()
        try:
            seconds = check_advance(int(text) if text.isdigit() else text or None)
        except ValueError as error:
            return _html(self._message_page(request, "The clock did not move", str(error)), 400)
        self.ctx.time.advance(seconds)
        back = request.form.get("next") or ""
        if not (back.startswith(f"{root}/console") and "//" not in back and "\\" not in back):
            back = f"{root}/console"
        return Response(status=303, headers={"Location": back})

    # --- executions -------------------------------------------------------------------------------

    def _state_machines(self) -> list[dict[str, Any]]:
        machines: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"maxResults": 1000}
            if token:
                kwargs["nextToken"] = token
            response = self.ctx.stepfunctions.list_state_machines(**kwargs)
            machines.extend(response.get("stateMachines", []))
            token = response.get("nextToken")
            if not token:
                return sorted(machines, key=lambda machine: str(machine.get("name")))

    def _executions(self, request: Request) -> Response:
        root = self._root(request)
        now = self._now()
        sections: list[str] = []
        for machine in self._state_machines():
            response = self.ctx.stepfunctions.list_executions(
                stateMachineArn=machine["stateMachineArn"], maxResults=EXECUTIONS_PER_MACHINE
            )
            executions = sorted(
                response.get("executions", []),
                key=lambda execution: execution.get("startDate") or now,
                reverse=True,
            )
            rows = [
                "<tr>"
                f'<td><a href="{escape(root)}/console/executions/{quote(str(e["executionArn"]), safe=":")}">'
                f"{escape(str(e.get('name', '')))}</a></td>"
                f"<td>{status_badge(str(e.get('status', '')))}</td>"
                f"<td>{when(e.get('startDate'))}</td>"
                f"<td>{duration(e.get('startDate'), e.get('stopDate'), now)}</td>"
                "</tr>"
                for e in executions
            ]
            sections.append(
                f'<section class="machine" data-machine="{escape(str(machine.get("name")))}">'
                f"<h2>{escape(str(machine.get('name')))} "
                f'<span class="tag">{escape(str(machine.get("type", "")))}</span></h2>'
                + table(["execution", "status", "started", "duration"], rows, empty="No executions yet.")
                + "</section>"
            )
        body = "".join(sections) or '<p class="muted">No state machines in the local cloud.</p>'
        return _html(self._page(request, "Executions", body, refresh_seconds=REFRESH_SECONDS))

    def _history(self, arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
            if token:
                kwargs["nextToken"] = token
            response = self.ctx.stepfunctions.get_execution_history(**kwargs)
            events.extend(response.get("events", []))
            token = response.get("nextToken")
            if not token:
                return events

    def _definition(self, execution: dict[str, Any]) -> dict[str, Any]:
        machine_name = str(execution.get("stateMachineArn", "")).rsplit(":", 1)[-1]
        if self.ctx.state_machine_definitions is not None:
            try:
                found = self.ctx.state_machine_definitions(machine_name)
            except KeyError:
                found = None
            if found:
                return found
        described = self.ctx.stepfunctions.describe_state_machine_for_execution(
            executionArn=execution["executionArn"]
        )
        loaded: dict[str, Any] = json.loads(described["definition"])
        return loaded

    def _execution(self, request: Request, arn: str) -> Response:
        try:
            execution = self.ctx.stepfunctions.describe_execution(executionArn=arn)
        except self.ctx.stepfunctions.exceptions.ClientError as error:
            text = error.response.get("Error", {}).get("Message") or str(error)
            return _html(self._message_page(request, "Execution not found", text), 404)
        status = str(execution.get("status", ""))
        events = self._history(arn)
        outcomes = state_outcomes(events, status)
        definition = self._definition(execution)
        legend = "".join(
            f'<span><i class="outcome-{key}"></i>{escape(label)}</span>'
            for key, label in OUTCOME_LABELS.items()
            if key != "retried"
        )
        facts = [
            ("state machine", escape(str(execution.get("stateMachineArn", "")).rsplit(":", 1)[-1])),
            ("status", status_badge(status)),
            ("started", when(execution.get("startDate"))),
            ("stopped", when(execution.get("stopDate"))),
            ("duration", duration(execution.get("startDate"), execution.get("stopDate"), self._now())),
        ]
        if execution.get("error") or execution.get("cause"):
            facts.append(
                (
                    "error",
                    f'<span class="error">{escape(str(execution.get("error") or ""))}</span> '
                    f"{escape(str(execution.get('cause') or ''))}",
                )
            )
        summary = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in facts)
        body = (
            f"<table class='facts'>{summary}</table>"
            + collapsed("input", execution.get("input"))
            + collapsed("output", execution.get("output"))
            + f"<h2>State graph</h2><p class='legend'>{legend}</p>"
            + render_graph(definition, outcomes, title=str(execution.get("name", "")))
            + "<h2>Event history</h2>"
            + table(["#", "type", "time", "state", "details"], self._event_rows(events), empty="No events.")
        )
        refresh = REFRESH_SECONDS if status == "RUNNING" else None
        return _html(
            self._page(request, f"Execution {execution.get('name', '')}", body, refresh_seconds=refresh)
        )

    @staticmethod
    def _event_rows(events: list[dict[str, Any]]) -> list[str]:
        rows: list[str] = []
        for event in events:
            details: dict[str, Any] = next(
                (v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {}
            )
            kind = str(event.get("type", ""))
            css = ' class="error"' if kind.endswith(("Failed", "TimedOut", "Aborted")) else ""
            cells = []
            if details.get("error") or details.get("cause"):
                cells.append(
                    f'<div class="error">{escape(str(details.get("error") or ""))}: '
                    f"{escape(str(details.get('cause') or ''))}</div>"
                )
            for key in ("input", "output", "parameters", "result"):
                cells.append(collapsed(key, details.get(key)))
            rows.append(
                f"<tr><td>{escape(str(event.get('id', '')))}</td><td{css}>{escape(kind)}</td>"
                f"<td>{when(event.get('timestamp'))}</td><td>{escape(str(details.get('name', '')))}</td>"
                f"<td>{''.join(cells)}</td></tr>"
            )
        return rows

    # --- outbox -----------------------------------------------------------------------------------

    def _filters(self, request: Request) -> tuple[str | None, Channel | None, int | None]:
        to = request.args.get("to") or None
        channel = request.args.get("channel") or None
        if channel not in (None, "email", "sms"):
            raise _BadFilterError(f"channel must be 'email' or 'sms', not {channel!r}")
        limit_text = request.args.get("limit")
        if limit_text is not None and not limit_text.isdigit():
            raise _BadFilterError("limit must be a whole number")
        for account_id, region in self.ctx.ses_sources:
            self.ctx.outbox.sync_ses(account_id, region)
        return to, cast("Channel | None", channel), int(limit_text) if limit_text else None

    def _outbox_json(self, request: Request) -> Response:
        try:
            to, channel, limit = self._filters(request)
        except _BadFilterError as error:
            return _json({"code": "invalid_filter", "message": str(error)}, 400)
        return _json({"items": self.ctx.outbox.to_json(to=to, channel=channel, limit=limit)})

    def _outbox_page(self, request: Request) -> Response:
        root = self._root(request)
        try:
            to, channel, limit = self._filters(request)
        except _BadFilterError as error:
            return _html(self._message_page(request, "Bad filter", str(error)), 400)
        messages = self.ctx.outbox.list(to=to, channel=channel, limit=limit or 200)
        rows = []
        for message in messages:
            html_part = ""
            if message.html:
                # shown in a sandboxed frame that may load nothing (no scripts, no fetches)
                isolated = (
                    "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
                    "style-src 'unsafe-inline'\">" + message.html
                )
                html_part = (
                    "<details><summary>HTML</summary>"
                    f'<iframe class="mail" sandbox="" srcdoc="{escape(isolated, quote=True)}"></iframe>'
                    f"<details><summary>HTML source</summary><pre>{escape(message.html)}</pre></details>"
                    "</details>"
                )
            rows.append(
                f'<tr class="channel-{message.channel}"><td>{when(message.sent_at)}</td>'
                f"<td>{escape(message.channel)}</td><td>{escape(message.to)}</td>"
                f"<td>{escape(message.sender)}</td><td>{escape(message.subject or '')}</td>"
                f"<td><pre>{escape(message.body)}</pre>{html_part}</td>"
                f"<td>{escape(message.provider)}"
                f"<div class='muted'>{escape(message.provider_message_id)}</div>"
                f"{collapsed('metadata', message.metadata) if message.metadata else ''}</td></tr>"
            )
        options = "".join(
            f'<option value="{value}"{" selected" if channel == (value or None) else ""}>{label}</option>'
            for value, label in (("", "all channels"), ("email", "email"), ("sms", "sms"))
        )
        query = urlencode({k: v for k, v in (("to", to), ("channel", channel)) if v})
        form = (
            f'<form class="filters" method="get" action="{escape(root)}/console/outbox">'
            f'<input name="to" placeholder="recipient" value="{escape(to or "")}">'
            f'<select name="channel">{options}</select><button>Filter</button> '
            f'<a href="{escape(root)}/outbox{"?" + escape(query) if query else ""}">JSON</a></form>'
        )
        body = form + table(
            ["sent", "channel", "to", "from", "subject", "body", "provider"],
            rows,
            empty="The outbox is empty.",
        )
        return _html(self._page(request, "Outbox", body, refresh_seconds=REFRESH_SECONDS))

    # --- queues -----------------------------------------------------------------------------------

    def _queues(self, request: Request) -> Response:
        urls: list[str] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"MaxResults": 1000}
            if token:
                kwargs["NextToken"] = token
            response = self.ctx.sqs.list_queues(**kwargs)
            urls.extend(response.get("QueueUrls", []))
            token = response.get("NextToken")
            if not token:
                break
        attributes = {
            url: self.ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
            for url in sorted(urls)
        }
        dead_letter_of: dict[str, list[str]] = {}
        for url, attrs in attributes.items():
            policy = attrs.get("RedrivePolicy")
            if policy:
                target = str(json.loads(policy).get("deadLetterTargetArn", ""))
                dead_letter_of.setdefault(target, []).append(url.rsplit("/", 1)[-1])
        rows: list[str] = []
        peeks: list[str] = []
        for url, attrs in attributes.items():
            name = url.rsplit("/", 1)[-1]
            arn = str(attrs.get("QueueArn", ""))
            sources = dead_letter_of.get(arn, [])
            is_dlq = bool(sources) or name.lower().removesuffix(".fifo").endswith("dlq")
            visible = int(attrs.get("ApproximateNumberOfMessages", 0))
            in_flight = int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0))
            delayed = int(attrs.get("ApproximateNumberOfMessagesDelayed", 0))
            nonempty = is_dlq and (visible + in_flight + delayed) > 0
            css = "queue dlq dlq-nonempty" if nonempty else ("queue dlq" if is_dlq else "queue")
            tag = '<span class="tag tag-dlq">DLQ</span>' if is_dlq else ""
            feeds = (
                f"<div class='muted'>dead letters of {escape(', '.join(sources))}</div>" if sources else ""
            )
            redrive = ""
            if attrs.get("RedrivePolicy"):
                policy = json.loads(attrs["RedrivePolicy"])
                redrive = (
                    f"→ {escape(str(policy.get('deadLetterTargetArn', '')).rsplit(':', 1)[-1])} "
                    f"after {escape(str(policy.get('maxReceiveCount', '')))} receives"
                )
            rows.append(
                f'<tr class="{css}" data-queue="{escape(name)}">'
                f'<td class="name">{escape(name)}{tag}{feeds}</td>'
                f"<td>{visible}</td><td>{in_flight}</td><td>{delayed}</td><td>{redrive}</td></tr>"
            )
            if nonempty and visible:
                peeks.append(self._peek(name, url))
        body = table(
            ["queue", "visible", "in flight", "delayed", "redrive"],
            rows,
            empty="No queues in the local cloud.",
        )
        if peeks:
            body += "<h2>Dead-letter messages</h2>" + "".join(peeks)
        return _html(self._page(request, "Queues", body, refresh_seconds=REFRESH_SECONDS))

    def _peek(self, name: str, url: str) -> str:
        """Up to DLQ_PEEK messages, received with VisibilityTimeout=0 so they stay visible
        (their receive count goes up, which a DLQ without its own redrive does not act on)."""
        received = self.ctx.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=DLQ_PEEK,
            VisibilityTimeout=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        rows = []
        for message in received:
            attrs = message.get("Attributes", {})
            sent = attrs.get("SentTimestamp")
            sent_at = when(datetime.fromtimestamp(int(sent) / 1000, UTC)) if sent else ""
            rows.append(
                f"<tr><td>{escape(str(message.get('MessageId', '')))}</td><td>{sent_at}</td>"
                f"<td>{escape(str(attrs.get('ApproximateReceiveCount', '')))}</td>"
                f"<td>{pretty(message.get('Body'))}"
                f"{collapsed('message attributes', message.get('MessageAttributes'))}</td></tr>"
            )
        return (
            f'<section class="dlq-peek" data-queue="{escape(name)}"><h3>{escape(name)}</h3>'
            + table(["message id", "sent", "receives", "body"], rows, empty="Nothing visible right now.")
            + "</section>"
        )


def _seconds_to_advance(request: Request) -> int | Response:
    """The ``seconds`` of a ``POST /clock/advance`` body, or the 4xx that refuses the body."""
    raw = request.stream.read(MAX_CLOCK_BODY_BYTES + 1)
    if len(raw) > MAX_CLOCK_BODY_BYTES:
        return _api_error(413, "PAYLOAD_TOO_LARGE", f"The body is larger than {MAX_CLOCK_BODY_BYTES} bytes.")
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _api_error(400, "INVALID_JSON", "The request body is not valid UTF-8 JSON.")
    if not isinstance(body, dict):
        return _api_error(400, "INVALID_REQUEST", 'The body must be a JSON object: {"seconds": 3600}.')
    problems = [
        {"field": name, "problem": "unknown field; the only one is 'seconds'"}
        for name in sorted(body)
        if name != "seconds"
    ]
    try:
        seconds = check_advance(body.get("seconds"))
    except ValueError as error:
        problems.insert(0, {"field": "seconds", "problem": str(error)})
    if problems:
        return _api_error(
            400, "INVALID_REQUEST", "The request is not valid; see details.", {"fields": problems}
        )
    return seconds


def _advanced_json(advanced: Advanced) -> dict[str, Any]:
    return {
        "advanced_by_s": advanced.seconds,
        "settled": advanced.settled,
        "still_running": advanced.busy,
        "schedules_fired": list(advanced.fired),
    }


class _BadFilterError(ValueError):
    pass
