"""Schedule rules, which moto stores but never fires: the local runtime fires them.

``rate(N minute|minutes|hour|hours|day|days)`` rules fire on the runtime's clock (real time
times the dev factor; :meth:`Scheduler.due` looks, and ``make dev`` looks every second); any
schedule can be fired by hand with :meth:`Scheduler.fire` (tests, ``make reconcile``). Targets
receive EventBridge's "Scheduled Event" as AWS sends it.

When the clock jumps (``POST /_local/clock/advance``), a rule that came due fires once, at the
new time, and its next run is one period later: a jump of seven days runs the daily
reconciliation once (its window covers two days), not seven times.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from stacks.topology import Kind

if TYPE_CHECKING:
    from local.cloud.aws import LocalAws
    from local.cloud.provision import Provisioned
    from stacks.topology import Rule, Topology

log = logging.getLogger("resale.local.scheduler")

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86_400}


def rate_seconds(expression: str) -> int | None:
    """Seconds between runs of a ``rate(...)`` expression; None for ``cron(...)``."""
    match = _RATE.match(expression)
    if match is None:
        if expression.startswith("cron("):
            return None
        raise ValueError(f"not a schedule expression: {expression!r}")
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    if count < 1 or (count == 1) != (match.group(2) == unit):
        raise ValueError(f"{expression!r}: use 'rate(1 {unit})' or 'rate(N {unit}s)'")
    return count * _UNIT_SECONDS[unit]


@dataclass
class Job:
    rule: Rule
    every_s: int | None
    next_at: float


class Scheduler:
    def __init__(
        self, aws: LocalAws, topology: Topology, provisioned: Provisioned, *, now: Any = time.time
    ) -> None:
        self._aws = aws
        self._provisioned = provisioned
        self._now = now
        self._jobs = {
            rule.name: Job(rule, every, now() + (every or 0))
            for rule in topology.rules
            if rule.schedule is not None
            for every in (rate_seconds(rule.schedule),)
        }
        self.fired: list[tuple[str, str]] = []  # (rule, what was started)
        self._due_lock = threading.Lock()  # the thread and a clock advance may look at once
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def rules(self) -> list[str]:
        return sorted(self._jobs)

    def fire(self, rule_name: str) -> list[str]:
        """Deliver one scheduled event to every target of the rule; returns what was started."""
        job = self._jobs.get(rule_name)
        if job is None:
            raise KeyError(f"no schedule rule named {rule_name!r}; known: {', '.join(self.rules)}")
        moment = datetime.fromtimestamp(self._now(), UTC)
        rule_arn = (
            f"arn:aws:events:{self._aws.region}:{self._aws.account_id}:rule/"
            f"{self._provisioned.physical_name(rule_name)}"
        )
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self._aws.account_id,
            "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._aws.region,
            "resources": [rule_arn],
            "detail": {},
        }
        started: list[str] = []
        for target in job.rule.targets:
            started.append(self._deliver(rule_name, target.kind, target.name, event, moment))
        self.fired.extend((rule_name, s) for s in started)
        return started

    def _deliver(self, rule_name: str, kind: str, name: str, event: dict[str, Any], moment: datetime) -> str:
        if kind == "state_machine":
            execution = f"{rule_name}-{moment.strftime('%Y%m%dT%H%M%S')}-{event['id'][:8]}"
            return str(
                self._aws.client("stepfunctions").start_execution(
                    stateMachineArn=self._provisioned.arns[(Kind.STATE_MACHINE, name)],
                    name=execution,
                    input=json.dumps(event),
                )["executionArn"]
            )
        if kind == "function":
            function = self._provisioned.names[(Kind.FUNCTION, name)]
            self._aws.deliver(function, event)
            return function
        self._aws.client("sqs").send_message(
            QueueUrl=self._provisioned.queue_url(name), MessageBody=json.dumps(event)
        )
        return self._provisioned.names[(Kind.QUEUE, name)]

    def due(self) -> list[str]:
        """Fire every rate rule whose time has come (and schedule its next run)."""
        fired: list[str] = []
        with self._due_lock:
            now = self._now()
            for name, job in self._jobs.items():
                if job.every_s is not None and job.next_at <= now:
                    job.next_at = now + job.every_s
                    try:
                        fired.extend(self.fire(name))
                    except Exception:
                        log.exception("scheduled rule %s failed to fire", name)
        return fired

    def start(self, poll_s: float = 1.0) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(poll_s,), name="scheduler", daemon=True)
        self._thread.start()

    def _run(self, poll_s: float) -> None:
        while not self._stop.wait(poll_s):
            self.due()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
