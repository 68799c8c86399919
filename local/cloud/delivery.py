"""SQS → Lambda event-source mappings, which moto does not run: the local runtime polls.

Semantics follow Lambda's: messages arrive in batches of up to ``batch_size`` as an SQS event;
the function answers ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}``; the
messages that succeeded are deleted, the failed ones become visible again and, after the
queue's ``maxReceiveCount`` receives, SQS moves them to the dead-letter queue. A function that
raises fails the whole batch. Under a virtual clock a failed message is made visible again at
once instead of after the visibility timeout, so retries and redrive happen without waiting.

It also holds :class:`Deliveries`: Lambda's asynchronous invocations (EventBridge rule targets,
SNS subscriptions, ``InvocationType=Event``), which AWS delivers from a queue, at least once, in
no particular order, retrying on the cloud's clock, then to a dead-letter queue.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import itertools
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local.cloud.functions import function_name_from
from local.cloud.patching import require

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from local.cloud.aws import LocalAws
    from local.cloud.clock import Clock
    from local.cloud.functions import FunctionRegistry
    from local.cloud.provision import Provisioned
    from stacks.topology import Topology

log = logging.getLogger("resale.local.delivery")


@dataclass(frozen=True)
class Mapping:
    queue_name: str
    queue_url: str
    queue_arn: str
    function: str
    batch_size: int


@dataclass
class DeliveryStats:
    batches: int = 0
    delivered: int = 0
    failed: int = 0


#: moto's SQS state, read to skip a ReceiveMessage on a queue with nothing visible in it
SQS_BACKENDS = "moto.sqs.models:sqs_backends"


class SqsPoller:
    """Polls every queue that has a consumer and invokes the consumer's handler in-process.

    A round looks at moto's queue before asking it: a queue with no visible message is skipped
    without a ReceiveMessage (Lambda's pollers long-poll, so an idle queue costs AWS nothing;
    here a dozen empty receives every 50 ms took a good share of the one core a checkout has).
    """

    def __init__(
        self, aws: LocalAws, topology: Topology, provisioned: Provisioned, *, fast_retry: bool
    ) -> None:
        self._aws = aws
        self._fast_retry = fast_retry
        #: a consumer may put events whose asynchronous deliveries feed the queues again
        self._deliveries = aws.deliveries
        self._mappings = [
            Mapping(
                queue_name=queue.name,
                queue_url=provisioned.queue_url(queue.name),
                queue_arn=provisioned.arns[("queue", queue.name)],
                function=provisioned.names[("function", queue.consumer.function)],
                batch_size=queue.consumer.batch_size,
            )
            for queue in topology.queues
            if queue.consumer is not None
        ]
        self.stats = DeliveryStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def mappings(self) -> list[Mapping]:
        return list(self._mappings)

    def start(self, interval_s: float = 0.05) -> None:
        if not self._mappings or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(interval_s,), name="sqs-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self, interval_s: float) -> None:
        while not self._stop.is_set():
            try:
                moved = self.poll_once()
            except Exception:  # the poller must survive anything a handler or moto does
                log.exception("SQS polling failed")
                moved = 0
            if not moved:
                self._stop.wait(interval_s)

    def poll_once(self) -> int:
        """One receive on each mapped queue; returns how many messages were handled."""
        handled = 0
        with self._lock:
            for mapping in self._mappings:
                handled += self._poll(mapping)
        return handled

    def drain(self, *, max_rounds: int = 1000) -> int:
        """Deliver until every mapped queue is empty and the asynchronous invocations due are
        done (they may send to the queues); for tests. Returns the messages handled."""
        total = 0
        for _ in range(max_rounds):
            self._deliveries.settle_queue()
            handled = self.poll_once()
            total += handled
            if handled == 0 and not self._deliveries.pending_due():
                return total
        raise RuntimeError("queues did not drain; a consumer keeps failing or producing")

    @staticmethod
    def _may_have_messages(mapping: Mapping) -> bool:
        """Does moto hold a visible, undelayed message on the mapping's queue? (True if unsure)"""
        _, _, _, region, account, name = mapping.queue_arn.split(":", 5)
        try:
            queue = require(SQS_BACKENDS)[account][region].queues[name]
        except KeyError:
            return True
        # the first visible one answers (moto's ``messages`` lists them all, each timed twice)
        return any(m.visible and not m.delayed for m in queue._messages)

    def _poll(self, mapping: Mapping) -> int:
        if not self._may_have_messages(mapping):
            return 0
        sqs = self._aws.client("sqs")
        response = sqs.receive_message(
            QueueUrl=mapping.queue_url,
            MaxNumberOfMessages=min(mapping.batch_size, 10),
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._record(mapping, m) for m in messages]}
        result = self._aws.functions.invoke(mapping.function, event)
        failed_ids: set[str]
        if result.error_type is not None:
            failed_ids = {m["MessageId"] for m in messages}
            log.warning(
                "%s failed its batch: %s: %s", mapping.function, result.error_type, result.error_message
            )
        else:
            payload = result.payload if isinstance(result.payload, dict) else {}
            failed_ids = {str(f["itemIdentifier"]) for f in payload.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed_ids]
        if done:
            sqs.delete_message_batch(
                QueueUrl=mapping.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        if self._fast_retry:
            for message in messages:
                if message["MessageId"] in failed_ids:
                    sqs.change_message_visibility(
                        QueueUrl=mapping.queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
        self.stats.batches += 1
        self.stats.delivered += len(done)
        self.stats.failed += len(failed_ids)
        return len(messages)

    def _record(self, mapping: Mapping, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message.get("Attributes", {})
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
                "SenderId": attributes.get("SenderId", "local"),
                "ApproximateFirstReceiveTimestamp": attributes.get(
                    "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
                ),
            },
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value["DataType"],
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": mapping.queue_arn,
            "awsRegion": self._aws.region,
        }


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# ---- asynchronous invocations --------------------------------------------------------------

#: Lambda's asynchronous invocation: a function error is retried after one minute, then two
LAMBDA_FIRST_RETRY_S = 60.0
LAMBDA_MAX_RETRY_DELAY_S = 120.0
#: EventBridge hands an event over again with exponential back-off (AWS publishes no figures)
EVENTBRIDGE_FIRST_RETRY_S = 1.0
EVENTBRIDGE_MAX_RETRY_DELAY_S = 600.0


@dataclass(frozen=True)
class AsyncInvokeConfig:
    """A function's asynchronous-invocation settings (Lambda's ``EventInvokeConfig``)."""

    retry_attempts: int = 2
    max_event_age_s: float = 21_600
    #: the on-failure destination (an SQS queue URL or ARN); None: a failed event is dropped
    on_failure_queue: str | None = None


@dataclass(frozen=True)
class Handoff:
    """Where an EventBridge rule target's event came from, and its retry policy and DLQ."""

    rule_arn: str
    target_arn: str
    retry_attempts: int = 185
    max_event_age_s: float = 86_400
    #: the target's dead-letter queue (an SQS queue URL or ARN); None: the event is dropped
    dead_letter_queue: str | None = None


@dataclass
class Delivery:
    """One event on its way to one function."""

    seq: int
    function: str
    event: Any
    source: str
    enqueued_at: float
    due_at: float
    handoff: Handoff | None = None
    handoff_attempts: int = 0
    attempts: int = 0
    #: True for a copy made by fault injection
    duplicate: bool = False
    #: set by ``inject(reorder=True)``: taken in a random order among the events due with it
    shuffle: random.Random | None = None


@dataclass
class AsyncStats:
    submitted: int = 0
    duplicated: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    retried: int = 0
    dead_lettered: int = 0
    dropped: int = 0


@dataclass(frozen=True)
class Dropped:
    """An event that failed every attempt and had no dead-letter queue to go to."""

    function: str
    event: Any
    reason: str


@dataclass
class Faults:
    """What :meth:`Deliveries.inject` makes the queue do to every event submitted."""

    duplicate: float = 0.0
    delay_s: float = 0.0
    reorder: bool = False
    rng: random.Random = field(default_factory=random.Random)


class Deliveries:
    """Lambda's queue of asynchronous invocations, worked by background threads.

    ``submit`` returns at once; a worker invokes the function when the event is due. A function
    error is retried as Lambda retries it (after 1 then 2 minutes of the *clock*, within the
    function's maximum event age), then the event goes to the function's on-failure queue, or is
    dropped (logged and counted). A rule target whose function does not exist is retried with
    EventBridge's policy, then sent to the target's DLQ. There is no ordering guarantee.

    Tests move the clock instead of sleeping: under a :class:`~local.cloud.clock.VirtualClock` a
    retry happens when ``clock.advance`` passes its time. :meth:`settle` waits until nothing is
    due or running (and, with ``also_settle`` hooks, until the SQS consumers are quiet too).
    """

    def __init__(
        self,
        *,
        clock: Clock,
        functions: FunctionRegistry,
        send_message: Callable[[str, str, dict[str, str]], None],
        workers: int = 2,
    ) -> None:
        self._clock = clock
        self._functions = functions
        self._send_message = send_message
        self._workers_wanted = workers
        self._configs: dict[str, AsyncInvokeConfig] = {}
        self._queue: list[Delivery] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._wake = clock.new_event()
        self._in_flight = 0
        self._completed = 0
        self._seq = itertools.count()
        self._faults = Faults()
        self._workers: list[threading.Thread] = []
        self._stopping = False
        self.stats = AsyncStats()
        self.dropped: list[Dropped] = []
        #: more work to wait for in :meth:`settle`: each call does some and says how much (the
        #: runtime adds its SQS poller, so work a delivery causes downstream is waited for too)
        self.also_settle: list[Callable[[], int]] = []

    # ---- configuration ----------------------------------------------------------------------

    def configure(self, function: str, config: AsyncInvokeConfig) -> None:
        """Set a function's asynchronous-invocation settings (PutFunctionEventInvokeConfig)."""
        self._configs[function_name_from(function)] = config

    def config(self, function: str) -> AsyncInvokeConfig:
        return self._configs.get(function_name_from(function), AsyncInvokeConfig())

    # ---- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._workers:
                return
            self._stopping = False
            self._workers = [
                threading.Thread(target=self._run, name=f"lambda-async-{i}", daemon=True)
                for i in range(self._workers_wanted)
            ]
        for worker in self._workers:
            worker.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the workers; events still queued are discarded (and logged)."""
        with self._lock:
            self._stopping = True
            workers, self._workers = self._workers, []
            left, self._queue = self._queue, []
        self._wake.set()
        for worker in workers:
            if worker is not threading.current_thread():
                worker.join(timeout_s)
        if left:
            log.info("%d asynchronous invocation(s) discarded at shutdown", len(left))

    # ---- submitting -------------------------------------------------------------------------

    def submit(
        self, function: str, event: Any, *, source: str = "lambda", handoff: Handoff | None = None
    ) -> None:
        """Queue ``event`` for ``function`` (a name or ARN); returns at once, as AWS does."""
        name = function_name_from(function)
        now = self._clock.now()
        with self._lock:
            faults = self._faults
            copies = 2 if faults.duplicate >= 1 or faults.rng.random() < faults.duplicate else 1
            for copy_index in range(copies):
                self._queue.append(
                    Delivery(
                        seq=next(self._seq),
                        function=name,
                        event=event if copy_index == 0 else copy.deepcopy(event),
                        source=source,
                        enqueued_at=now,
                        due_at=now + faults.delay_s,
                        handoff=handoff,
                        duplicate=copy_index > 0,
                        shuffle=faults.rng if faults.reorder else None,
                    )
                )
            self.stats.submitted += 1
            self.stats.duplicated += copies - 1
        self._wake.set()

    @contextlib.contextmanager
    def inject(
        self,
        *,
        duplicate: bool | float = False,
        delay_s: float = 0.0,
        reorder: bool = False,
        seed: int | None = None,
    ) -> Iterator[Deliveries]:
        """Faults for tests, on every event submitted inside the block: ``duplicate`` (True:
        each is delivered twice; a float: with that probability), ``delay_s`` (due only once the
        clock has moved that far), ``reorder`` (among the events due at once, these are taken
        in a random order; with ``delay_s`` a whole batch comes due together). ``seed`` makes
        the randomness repeatable. The faults stay with the events after the block ends."""
        probability = 1.0 if duplicate is True else float(duplicate or 0.0)
        if not 0.0 <= probability <= 1.0 or delay_s < 0:
            raise ValueError("duplicate is a probability in [0, 1] and delay_s is not negative")
        faults = Faults(
            duplicate=probability,
            delay_s=float(delay_s),
            reorder=reorder,
            rng=random.Random(seed),  # noqa: S311 - test faults, not secrets
        )
        with self._lock:
            previous, self._faults = self._faults, faults
        try:
            yield self
        finally:
            with self._lock:
                self._faults = previous

    # ---- waiting ----------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Events queued (due or not) plus those being invoked."""
        with self._lock:
            return len(self._queue) + self._in_flight

    def pending_due(self) -> bool:
        """Is any event due now or being invoked?"""
        with self._lock:
            return bool(self._in_flight) or self._has_due()

    def scheduled(self) -> list[tuple[str, float]]:
        """(function, due time) of every queued event, soonest first."""
        with self._lock:
            return sorted(((d.function, d.due_at) for d in self._queue), key=lambda x: x[1])

    def settle_queue(self, timeout_s: float = 30.0) -> None:
        """Wait (real time) until no queued event is due and none is being invoked; events
        due later (a retry's back-off, an injected delay) stay queued for the clock to reach."""
        self._refuse_from_worker()
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self._in_flight or self._has_due():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"asynchronous invocations still running after {timeout_s}s: "
                        f"{self._in_flight} in flight, {len(self._queue)} queued"
                    )
                self._idle.wait(min(remaining, 0.02))

    def settle(self, timeout_s: float = 30.0) -> None:
        """Wait until nothing due is queued or running here, nor in the ``also_settle`` hooks
        (work a delivery caused: SQS messages it sent, events it put)."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                before = self._completed
            self.settle_queue(max(deadline - time.monotonic(), 0.001))
            moved = sum(hook() for hook in self.also_settle)
            with self._lock:
                quiet = moved == 0 and self._completed == before and not self._has_due()
            if quiet:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the local cloud did not settle within {timeout_s}s")

    def drain(self, timeout_s: float = 30.0) -> None:
        """Wait until the queue is empty: also for events due later, so the clock must get there
        (a scaled clock does by itself; a virtual one needs ``advance`` from another thread)."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.settle(max(deadline - time.monotonic(), 0.001))
            if self.pending == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"asynchronous invocations still queued after {timeout_s}s: {self.scheduled()}"
                )
            time.sleep(0.01)

    def _has_due(self) -> bool:
        now = self._clock.now()
        return any(d.due_at <= now for d in self._queue)

    def _refuse_from_worker(self) -> None:
        if threading.current_thread() in self._workers:
            raise RuntimeError("settle() inside an asynchronous invocation would wait for itself")

    # ---- working ----------------------------------------------------------------------------

    def _take(self) -> Delivery | None:
        """The next due event (under the lock), or None; the clock's wake-up is re-armed."""
        now = self._clock.now()
        due = [d for d in self._queue if d.due_at <= now]
        if not due:
            self._wake.clear()
            return None
        shuffled = [d for d in due if d.shuffle is not None]
        if shuffled and shuffled[0].shuffle is not None:
            chosen = shuffled[0].shuffle.choice(shuffled)
        else:
            chosen = min(due, key=lambda d: (d.due_at, d.seq))
        self._queue.remove(chosen)
        self._in_flight += 1
        return chosen

    def _next_due_in(self) -> float | None:
        if not self._queue:
            return None
        return max(min(d.due_at for d in self._queue) - self._clock.now(), 0.0)

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                delivery = self._take()
                wait_s = self._next_due_in() if delivery is None else None
            if delivery is None:
                self._clock.wait(self._wake, wait_s, "async-delivery")
                continue
            try:
                self._attempt(delivery)
            except Exception:  # a worker must survive anything an attempt does
                log.exception("asynchronous invocation of %s failed unexpectedly", delivery.function)
            finally:
                with self._idle:
                    self._in_flight -= 1
                    self._completed += 1
                    self._idle.notify_all()

    def _attempt(self, delivery: Delivery) -> None:
        if delivery.function not in self._functions:
            self._handoff_failed(delivery)
            return
        result = self._functions.invoke(delivery.function, delivery.event)
        if not result.failed:
            with self._lock:
                self.stats.delivered += 1
            return
        delivery.attempts += 1
        config = self.config(delivery.function)
        now = self._clock.now()
        log.warning(
            "asynchronous invocation %d of %s failed: %s: %s",
            delivery.attempts,
            delivery.function,
            result.error_type,
            result.error_message,
        )
        with self._lock:
            self.stats.failed_attempts += 1
        if delivery.attempts <= config.retry_attempts:
            delay = min(LAMBDA_FIRST_RETRY_S * 2 ** (delivery.attempts - 1), LAMBDA_MAX_RETRY_DELAY_S)
            if now + delay - delivery.enqueued_at <= config.max_event_age_s:
                self._requeue(delivery, now + delay)
                return
            condition = "EventAgeExceeded"
        else:
            condition = "RetriesExhausted"
        if config.on_failure_queue is None:
            self._drop(delivery, f"{condition}: {result.error_type}: {result.error_message}")
            return
        record = {
            "version": "1.0",
            "timestamp": _iso_ms(now),
            "requestContext": {
                "requestId": result.request_id,
                "functionArn": f"{self._functions.spec(delivery.function).arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": delivery.attempts,
            },
            "requestPayload": delivery.event,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": {"errorMessage": result.error_message or "", "errorType": result.error_type},
        }
        self._dead_letter(delivery, config.on_failure_queue, dumps(record), {})

    def _handoff_failed(self, delivery: Delivery) -> None:
        """EventBridge could not hand the event to the function: its retry policy, then its DLQ."""
        handoff = delivery.handoff or Handoff(rule_arn="", target_arn=delivery.function)
        delivery.handoff_attempts += 1
        now = self._clock.now()
        if delivery.handoff_attempts <= handoff.retry_attempts:
            delay = min(
                EVENTBRIDGE_FIRST_RETRY_S * 2 ** (delivery.handoff_attempts - 1),
                EVENTBRIDGE_MAX_RETRY_DELAY_S,
            )
            if now + delay - delivery.enqueued_at <= handoff.max_event_age_s:
                self._requeue(delivery, now + delay)
                return
        message = f"Function not found: {handoff.target_arn}"
        if handoff.dead_letter_queue is None:
            self._drop(delivery, message)
            return
        attributes = {
            "RULE_ARN": handoff.rule_arn,
            "TARGET_ARN": handoff.target_arn,
            "ERROR_CODE": "RESOURCE_NOT_FOUND",
            "ERROR_MESSAGE": message,
        }
        self._dead_letter(delivery, handoff.dead_letter_queue, dumps(delivery.event), attributes)

    def _requeue(self, delivery: Delivery, due_at: float) -> None:
        delivery.due_at = due_at
        with self._lock:
            self._queue.append(delivery)
            self.stats.retried += 1
        self._wake.set()

    def _dead_letter(self, delivery: Delivery, queue_url: str, body: str, attributes: dict[str, str]) -> None:
        self._send_message(queue_url, body, attributes)
        with self._lock:
            self.stats.dead_lettered += 1
        log.warning("event for %s sent to its dead-letter queue %s", delivery.function, queue_url)

    def _drop(self, delivery: Delivery, reason: str) -> None:
        with self._lock:
            self.stats.dropped += 1
            self.dropped.append(Dropped(delivery.function, delivery.event, reason))
        log.error("event for %s dropped (no dead-letter queue): %s", delivery.function, reason)


def _iso_ms(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
