"""The local console rendered against moto's Step Functions interpreter and SQS."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Response

from local.cloud.clock import ClockControl, VirtualClock
from local.console import ConsoleContext, make_console_app
from local.console.graph import layers_of, state_outcomes
from local.providers.outbox import Outbox

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/local-stepfunctions"

# Pass -> Task (fails: the queue does not exist; caught) -> Choice -> Succeed | Fail
ORDER_CHECK = {
    "StartAt": "Start",
    "States": {
        "Start": {"Type": "Pass", "Next": "Notify Seller"},
        "Notify Seller": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {
                "QueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/no-such-queue",
                "MessageBody.$": "$",
            },
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Is Paid", "ResultPath": "$.notifyError"}],
            "Next": "Is Paid",
        },
        "Is Paid": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.paid", "BooleanEquals": True, "Next": "Done"}],
            "Default": "Reject",
        },
        "Done": {"Type": "Succeed"},
        "Reject": {"Type": "Fail", "Error": "NotPaid", "Cause": "the order was not paid"},
    },
}


@pytest.fixture(autouse=True)
def quiet_interpreter():
    logger = logging.getLogger("moto.stepfunctions.parser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def suffix() -> str:
    """Names are unique per test: inside a session-wide local cloud, moto's data is shared."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def aws(cloud):
    """The session's local cloud (moto's state is process-wide: no second mock may reset it)."""
    return {"stepfunctions": cloud.aws.client("stepfunctions"), "sqs": cloud.aws.client("sqs")}


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def console(aws, outbox: Outbox) -> Client:
    ctx = ConsoleContext(stepfunctions=aws["stepfunctions"], sqs=aws["sqs"], outbox=outbox)
    # mounted the way the API emulator mounts it
    app = DispatcherMiddleware(Response("api", status=404), {"/_local": make_console_app(ctx)})
    return Client(app)


def run_to_end(stepfunctions, machine_arn: str, name: str, payload: dict) -> str:
    arn = stepfunctions.start_execution(stateMachineArn=machine_arn, name=name, input=json.dumps(payload))[
        "executionArn"
    ]
    deadline = time.monotonic() + 20
    while stepfunctions.describe_execution(executionArn=arn)["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{name} still running"
        time.sleep(0.02)
    return arn


@pytest.fixture
def order_check(aws, suffix: str) -> str:
    return aws["stepfunctions"].create_state_machine(
        name=f"order-check-{suffix}", definition=json.dumps(ORDER_CHECK), roleArn=ROLE
    )["stateMachineArn"]


def outcome_of(page: str, state: str) -> str:
    match = re.search(rf'<g class="state outcome-([a-z-]+)" data-state="{re.escape(state)}"', page)
    assert match, f"state {state!r} not drawn"
    return match.group(1)


def test_given_two_executions_when_the_console_is_opened_then_both_are_listed_newest_first(
    aws, console: Client, order_check: str, suffix: str
) -> None:
    first = run_to_end(aws["stepfunctions"], order_check, "order-1-unpaid", {"paid": False})
    time.sleep(0.01)
    run_to_end(aws["stepfunctions"], order_check, "order-2-paid", {"paid": True})

    response = console.get("/_local/console")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    section = page.split(f'<section class="machine" data-machine="order-check-{suffix}">', 1)[1]
    section = section.split("</section>", 1)[0]
    assert section.index("order-2-paid") < section.index("order-1-unpaid")
    assert "status-FAILED" in section
    assert "status-SUCCEEDED" in section
    # Then each execution links to its page under the mount point
    assert f'href="/_local/console/executions/{first}"' in page
    assert "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_given_a_failed_execution_when_its_page_is_opened_then_the_graph_colours_each_state_by_outcome(
    aws, console: Client, order_check: str
) -> None:
    arn = run_to_end(aws["stepfunctions"], order_check, "order-3-unpaid", {"paid": False})

    response = console.get(f"/_local/console/executions/{arn}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<svg" in page
    assert outcome_of(page, "Start") == "succeeded"
    assert outcome_of(page, "Notify Seller") == "caught"
    assert outcome_of(page, "Is Paid") == "succeeded"
    assert outcome_of(page, "Reject") == "failed"
    assert outcome_of(page, "Done") == "not-reached"
    # And the event history is there, with inputs collapsed and the error shown
    assert "PassStateEntered" in page
    assert "FailStateEntered" in page
    assert "ExecutionFailed" in page
    assert "<details><summary>input</summary>" in page
    assert "NotPaid" in page
    assert "the order was not paid" in page
    # And edges follow Next, Choices, Default and Catch
    for source, target in [
        ("Start", "Notify Seller"),
        ("Is Paid", "Done"),
        ("Is Paid", "Reject"),
        ("Notify Seller", "Is Paid"),
    ]:
        assert f'data-from="{source}" data-to="{target}"' in page


def test_given_a_succeeded_execution_then_the_fail_state_is_grey(
    aws, console: Client, order_check: str
) -> None:
    arn = run_to_end(aws["stepfunctions"], order_check, "order-4-paid", {"paid": True})
    page = console.get(f"/_local/console/executions/{arn}").get_data(as_text=True)
    assert outcome_of(page, "Done") == "succeeded"
    assert outcome_of(page, "Reject") == "not-reached"


def test_given_an_injected_definition_source_then_the_graph_is_drawn_from_it(
    aws, outbox: Outbox, order_check: str, suffix: str
) -> None:
    arn = run_to_end(aws["stepfunctions"], order_check, "order-5", {"paid": True})
    asked: list[str] = []

    def definitions(name: str) -> dict:
        asked.append(name)
        return {**ORDER_CHECK, "States": {**ORDER_CHECK["States"], "Extra": {"Type": "Pass", "End": True}}}

    ctx = ConsoleContext(aws["stepfunctions"], aws["sqs"], outbox, state_machine_definitions=definitions)
    page = Client(make_console_app(ctx)).get(f"/console/executions/{arn}").get_data(as_text=True)
    assert asked == [f"order-check-{suffix}"]
    assert outcome_of(page, "Extra") == "not-reached"


def test_given_the_unstripped_path_as_the_gateway_passes_it_then_pages_and_links_keep_the_prefix(
    aws, outbox: Outbox, order_check: str
) -> None:
    arn = run_to_end(aws["stepfunctions"], order_check, "order-6", {"paid": True})
    app = make_console_app(ConsoleContext(aws["stepfunctions"], aws["sqs"], outbox))
    client = Client(app)  # the whole path reaches the app, SCRIPT_NAME empty
    page = client.get("/_local/console").get_data(as_text=True)
    assert f'href="/_local/console/executions/{arn}"' in page
    assert client.get(f"/_local/console/executions/{arn}").status_code == 200
    assert client.get("/_local/outbox").get_json() == {"items": []}


def test_given_an_unknown_execution_when_its_page_is_opened_then_404(
    console: Client, order_check: str
) -> None:
    response = console.get(
        f"/_local/console/executions/{order_check.replace(':stateMachine:', ':execution:')}:nope"
    )
    assert response.status_code == 404


def test_given_a_parallel_state_then_its_branches_are_drawn_nested(aws, console: Client, suffix: str) -> None:
    definition = {
        "StartAt": "Fan Out",
        "States": {
            "Fan Out": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                    {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
                ],
                "End": True,
            }
        },
    }
    machine = aws["stepfunctions"].create_state_machine(
        name=f"fan-out-{suffix}", definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    arn = run_to_end(aws["stepfunctions"], machine, "fan-1", {})
    page = console.get(f"/_local/console/executions/{arn}").get_data(as_text=True)
    assert outcome_of(page, "Fan Out") == "succeeded"
    assert outcome_of(page, "Left") == "succeeded"
    assert outcome_of(page, "Right") == "succeeded"
    assert "Fan Out: branch 2" in page


def test_given_outbox_messages_when_the_json_is_filtered_by_recipient_then_only_theirs_newest_first(
    console: Client, outbox: Outbox
) -> None:
    outbox.add(
        channel="sms",
        to="+447700900123",
        sender="+15005550006",
        body="code 1",
        provider="twilio",
        provider_message_id="SM1",
    )
    outbox.add(
        channel="email",
        to="buyer@example.com",
        sender="orders@resale.example",
        subject="Paid",
        body="ok",
        html="<p>ok</p>",
        provider="sendgrid",
        provider_message_id="m1",
    )
    outbox.add(
        channel="sms",
        to="+447700900123",
        sender="+15005550006",
        body="code 2",
        provider="twilio",
        provider_message_id="SM2",
    )

    items = console.get("/_local/outbox?to=%2B447700900123").get_json()["items"]
    assert [item["body"] for item in items] == ["code 2", "code 1"]
    assert {"channel", "to", "subject", "body", "sent_at", "sender", "provider"} <= set(items[0])
    assert datetime.fromisoformat(items[0]["sent_at"]).tzinfo is not None

    assert [i["subject"] for i in console.get("/_local/outbox?channel=email").get_json()["items"]] == ["Paid"]
    assert len(console.get("/_local/outbox").get_json()["items"]) == 3
    assert console.get("/_local/outbox?channel=fax").status_code == 400


def test_given_a_message_with_markup_when_the_outbox_page_renders_then_it_is_escaped(
    console: Client, outbox: Outbox
) -> None:
    outbox.add(
        channel="email",
        to="a@example.com",
        sender="s@resale.example",
        subject="<b>hi</b>",
        body="<script>alert(1)</script>",
        html="<p onclick=x>hi</p>",
        provider="sendgrid",
        provider_message_id="m2",
    )
    page = console.get("/_local/console/outbox").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;hi&lt;/b&gt;" in page
    assert 'sandbox=""' in page


def test_given_a_dlq_with_messages_when_the_queues_page_renders_then_it_is_highlighted_with_a_peek(
    aws, console: Client, suffix: str
) -> None:
    sqs = aws["sqs"]
    dlq_url = sqs.create_queue(QueueName=f"email-{suffix}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    main_url = sqs.create_queue(
        QueueName=f"email-{suffix}",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})},
    )["QueueUrl"]
    sqs.create_queue(QueueName=f"sms-{suffix}-dlq")  # an empty DLQ is not highlighted
    sqs.send_message(QueueUrl=main_url, MessageBody="pending")
    sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps({"orderId": "R-9", "reason": "bounce"}))

    page = console.get("/_local/console/queues").get_data(as_text=True)

    assert f'<tr class="queue dlq dlq-nonempty" data-queue="email-{suffix}-dlq">' in page
    assert f'<tr class="queue dlq" data-queue="sms-{suffix}-dlq">' in page
    assert f'<tr class="queue" data-queue="email-{suffix}">' in page
    assert f"dead letters of email-{suffix}<" in page
    assert f'<section class="dlq-peek" data-queue="email-{suffix}-dlq">' in page
    assert "R-9" in page
    # And the peek leaves the message visible
    attrs = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "1"


# --- the outcome rules on their own -----------------------------------------------------------------


def _events(*specs: tuple[str, str | None]) -> list[dict]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = []
    for index, (kind, name) in enumerate(specs, start=1):
        event = {"id": index, "type": kind, "timestamp": start + timedelta(seconds=index)}
        if name:
            key = "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails"
            event[key] = {"name": name}
        if kind.endswith("Failed"):
            event["taskFailedEventDetails"] = {"error": "Boom", "cause": "x"}
        events.append(event)
    return events


def test_given_a_task_that_failed_then_succeeded_on_retry_then_it_is_retried() -> None:
    history = _events(
        ("TaskStateEntered", "Charge"),
        ("TaskScheduled", None),
        ("TaskFailed", None),
        ("TaskScheduled", None),
        ("TaskSucceeded", None),
        ("TaskStateExited", "Charge"),
    )
    assert state_outcomes(history, "SUCCEEDED")["Charge"].outcome == "retried"


def test_given_a_running_execution_then_the_open_state_is_running_and_becomes_failed_when_it_ends() -> None:
    history = _events(("WaitStateEntered", "Wait For Payment"))
    assert state_outcomes(history, "RUNNING")["Wait For Payment"].outcome == "running"
    assert state_outcomes(history, "TIMED_OUT")["Wait For Payment"].outcome == "failed"


def test_given_a_loop_back_then_layers_are_breadth_first_and_finite() -> None:
    definition = {
        "StartAt": "Poll",
        "States": {
            "Poll": {"Type": "Pass", "Next": "Ready?"},
            "Ready?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.ready", "BooleanEquals": True, "Next": "Go"}],
                "Default": "Poll",
            },
            "Go": {"Type": "Succeed"},
            "Orphan": {"Type": "Pass", "End": True},
        },
    }
    assert layers_of(definition) == [["Poll"], ["Ready?"], ["Go"], ["Orphan"]]


# --- the clock: shown on every page, moved by the form ------------------------------------------

MIDNIGHT = datetime(2026, 11, 20, tzinfo=UTC).timestamp()


@pytest.fixture
def stopped_clock() -> VirtualClock:
    """A clock of the console's own, standing still at midnight (the session's moves for others)."""
    return VirtualClock(start=MIDNIGHT, flows=False)


@pytest.fixture
def clock_console(aws, outbox: Outbox, stopped_clock: VirtualClock) -> Client:
    ctx = ConsoleContext(
        stepfunctions=aws["stepfunctions"],
        sqs=aws["sqs"],
        outbox=outbox,
        clock=stopped_clock.now,
        time=ClockControl(stopped_clock),
    )
    app = DispatcherMiddleware(Response("api", status=404), {"/_local": make_console_app(ctx)})
    return Client(app)


@pytest.mark.parametrize("path", ["/_local/console", "/_local/console/outbox", "/_local/console/queues"])
def test_given_any_console_page_then_it_shows_the_clouds_time_and_the_clock_form(
    clock_console: Client, path: str
) -> None:
    response = clock_console.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<time datetime="2026-11-20T00:00:00Z">2026-11-20T00:00:00Z</time>' in page
    form = re.search(
        r'<form class="clock-advance" method="post" action="/_local/console/clock">.*?</form>', page
    )
    assert form, page
    presets = re.findall(
        r'<button name="preset" value="(\d+)" formnovalidate>([^<]+)</button>', form.group(0)
    )
    assert presets == [
        ("3600", "+1 hour"),
        ("86400", "+1 day"),
        ("604800", "+7 days"),
        ("1209600", "+14 days"),
    ]
    assert 'type="number" name="seconds"' in form.group(0)
    assert f'name="next" value="{path}"' in form.group(0)
    assert "<script" not in page


def test_given_the_console_without_a_clock_control_then_pages_show_the_time_without_a_form(
    console: Client,
) -> None:
    page = console.get("/_local/console/queues").get_data(as_text=True)
    assert re.search(r'<div class="clock">Local cloud time <time datetime="\d{4}-\d\d-\d\dT[\d:]{8}Z">', page)
    assert "clock-advance" not in page


def test_given_the_clock_form_when_a_preset_or_a_number_is_posted_then_the_clock_moves_and_it_redirects_back(
    clock_console: Client, stopped_clock: VirtualClock
) -> None:
    # When "+7 days" is pressed on the outbox page
    pressed = clock_console.post(
        "/_local/console/clock",
        data={"preset": "604800", "seconds": "", "next": "/_local/console/outbox?to=a"},
    )
    # Then the clock moved seven days and the browser goes back where it was
    assert pressed.status_code == 303
    assert pressed.headers["Location"] == "/_local/console/outbox?to=a"
    assert stopped_clock.now() == MIDNIGHT + 7 * 86_400
    page = clock_console.get("/_local/console/outbox").get_data(as_text=True)
    assert ">2026-11-27T00:00:00Z</time> <span class='muted'>(advanced 7 d)</span>" in page
    # When a number of seconds is typed instead
    typed = clock_console.post("/_local/console/clock", data={"seconds": "90", "next": "/_local/console"})
    assert (typed.status_code, typed.headers["Location"]) == (303, "/_local/console")
    assert stopped_clock.now() == MIDNIGHT + 7 * 86_400 + 90
    # And a "next" that leaves the console goes to the console instead
    away = clock_console.post("/_local/console/clock", data={"seconds": "1", "next": "https://evil.example/"})
    assert away.headers["Location"] == "/_local/console"


@pytest.mark.parametrize("seconds", ["", "abc", "0", "-5", "1.5", str(400 * 86_400)])
def test_given_a_bad_number_in_the_clock_form_then_400_and_the_clock_stays(
    clock_console: Client, stopped_clock: VirtualClock, seconds: str
) -> None:
    response = clock_console.post(
        "/_local/console/clock", data={"seconds": seconds, "next": "/_local/console"}
    )
    assert response.status_code == 400
    assert "The clock did not move" in response.get_data(as_text=True)
    assert stopped_clock.now() == MIDNIGHT


def test_given_a_post_from_another_site_then_the_clock_form_refuses_it(
    clock_console: Client, stopped_clock: VirtualClock
) -> None:
    response = clock_console.post(
        "/_local/console/clock", data={"preset": "3600"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert stopped_clock.now() == MIDNIGHT


def test_given_the_local_cloud_then_its_console_shows_its_clock_and_the_form_moves_it(cloud) -> None:
    # Given the console as make dev serves it, behind the API's port
    page = requests.get(cloud.console_url, timeout=15)
    assert page.status_code == 200
    assert 'action="/_local/console/clock"' in page.text
    shown = re.search(r'<time datetime="([^"]+)">', page.text)
    assert shown and abs(datetime.fromisoformat(shown.group(1)).timestamp() - cloud.clock.now()) < 3
    # When a second is typed in its form
    before = cloud.clock.advanced_s
    moved = requests.post(
        f"{cloud.api_url}/_local/console/clock",
        data={"seconds": "1", "next": "/_local/console/queues"},
        allow_redirects=False,
        timeout=60,
    )
    # Then the local cloud's clock moved and the browser is sent back
    assert (moved.status_code, moved.headers["Location"]) == (303, "/_local/console/queues")
    assert cloud.clock.advanced_s == before + 1
