"""HTML building blocks for the console: one page frame, tables, times and JSON, all escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from typing import Any

CSS = """
:root { font-family: system-ui, sans-serif; color: #1d2329; background: #fafafa; }
body { margin: 0; }
nav { background: #243447; padding: 10px 20px; }
nav a { color: #fff; margin-right: 18px; text-decoration: none; font-weight: 600; }
nav span { color: #9fb3c8; float: right; font-size: 13px; }
main { padding: 16px 20px 40px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e6ea; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
pre { margin: 4px 0; white-space: pre-wrap; word-break: break-word; font-size: 12px; background: #f6f8fa;
      padding: 6px; max-height: 320px; overflow: auto; }
details summary { cursor: pointer; color: #36557a; }
.muted { color: #6b7680; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.status-SUCCEEDED { background: #e6f4ea; color: #1e6b34; }
.status-FAILED, .status-TIMED_OUT, .status-ABORTED { background: #fdecea; color: #a4231b; }
.status-RUNNING, .status-PENDING_REDRIVE { background: #e3effd; color: #1552a0; }
.error { color: #a4231b; }
tr.dlq-nonempty td { background: #fdecea; }
tr.dlq-nonempty td.name { font-weight: 700; color: #a4231b; }
.tag { font-size: 11px; padding: 1px 6px; border-radius: 8px; background: #eceff3; margin-left: 6px; }
.tag-dlq { background: #a4231b; color: #fff; }
form.filters { margin: 10px 0; } form.filters input, form.filters select { margin-right: 8px; }
iframe.mail { width: 100%; height: 240px; border: 1px solid #e3e6ea; background: #fff; }
.legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 4px;
            vertical-align: -2px; border: 1px solid #999; }
svg.graph { background: #fff; border: 1px solid #e3e6ea; border-radius: 6px; max-width: 100%; }
svg.graph text { text-anchor: middle; font-size: 12px; }
svg.graph text.type { font-size: 10px; fill: #55606b; }
svg.graph text.edge-label { text-anchor: start; font-size: 10px; fill: #6b7680; }
svg.graph .edge { fill: none; stroke: #8a96a3; stroke-width: 1.4; }
svg.graph .edge-catch { stroke: #e0a100; stroke-dasharray: 5 3; }
svg.graph .edge-default { stroke-dasharray: 2 3; }
svg.graph .arrowhead { fill: #8a96a3; }
svg.graph rect { stroke-width: 2; }
.outcome-succeeded rect, i.outcome-succeeded { fill: #e6f4ea; stroke: #2e7d32; background: #e6f4ea; }
.outcome-failed rect, i.outcome-failed { fill: #fdecea; stroke: #c62828; background: #fdecea; }
.outcome-caught rect, .outcome-retried rect, i.outcome-caught { fill: #fff4d6; stroke: #e08a00;
  background: #fff4d6; }
.outcome-running rect, i.outcome-running { fill: #e3effd; stroke: #1565c0; background: #e3effd; }
.outcome-not-reached rect, i.outcome-not-reached { fill: #f1f2f4; stroke: #a7adb3; background: #f1f2f4; }
.outcome-not-reached text { fill: #8a9096; }
.clock { background: #eef2f6; border-bottom: 1px solid #d5dce4; padding: 6px 20px; font-size: 13px; }
.clock time { font-weight: 700; font-variant-numeric: tabular-nums; }
.clock form { display: inline; margin-left: 14px; }
.clock input { width: 9em; } .clock button { margin-left: 4px; }
.branches { margin: 10px 0 0 24px; } .branch { margin-top: 10px; }
.branch-title { font-size: 12px; font-weight: 600; color: #55606b; margin-bottom: 4px; }
"""


#: the clock form's buttons: (label, seconds)
CLOCK_PRESETS = (("+1 hour", 3_600), ("+1 day", 86_400), ("+7 days", 604_800), ("+14 days", 1_209_600))


def _span(seconds: float) -> str:
    """``604800`` → ``7 d``; ``5400`` → ``1 h 30 min``."""
    total = int(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v} {unit}" for v, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if v]
    return " ".join(parts) or f"{secs} s"


def clock_bar(
    now: datetime,
    *,
    advanced_s: float | None,
    action: str | None,
    back_to: str,
    max_seconds: int,
) -> str:
    """The strip on top of every page: the local cloud's time and, when ``action`` is given, the
    form that advances it (a number of seconds, or one of :data:`CLOCK_PRESETS`), which posts to
    ``action`` and comes back to ``back_to``."""
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    moved = f" <span class='muted'>(advanced {_span(advanced_s)})</span>" if advanced_s else ""
    form = ""
    if action is not None:
        presets = "".join(
            f'<button name="preset" value="{seconds}" formnovalidate>{escape(label)}</button>'
            for label, seconds in CLOCK_PRESETS
        )
        # the Advance button first: Enter in the number field submits with it, not a preset
        form = (
            f'<form class="clock-advance" method="post" action="{escape(action)}">'
            f'<input type="hidden" name="next" value="{escape(back_to)}">'
            f'<input type="number" name="seconds" min="1" max="{max_seconds}" step="1" '
            f'placeholder="seconds" aria-label="seconds to advance">'
            f"<button>Advance</button>{presets}</form>"
        )
    return f'<div class="clock">Local cloud time <time datetime="{stamp}">{stamp}</time>{moved}{form}</div>'


def page(title: str, body: str, *, root: str, refresh_seconds: int | None = None, clock: str = "") -> str:
    """A complete HTML page. ``root`` is where the console app is mounted (e.g. ``/_local``);
    ``clock`` is the :func:`clock_bar` shown under the navigation."""
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    auto = f"<span>refreshes every {refresh_seconds} s</span>" if refresh_seconds else ""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} · Resale local console</title>{refresh}<style>{CSS}</style></head><body>"
        f"<nav><a href='{escape(root)}/console'>Executions</a>"
        f"<a href='{escape(root)}/console/outbox'>Outbox</a>"
        f"<a href='{escape(root)}/console/queues'>Queues</a>{auto}</nav>{clock}"
        f"<main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def when(moment: Any) -> str:
    if not isinstance(moment, datetime):
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


def duration(start: Any, stop: Any, now: datetime) -> str:
    if not isinstance(start, datetime):
        return ""
    end = stop if isinstance(stop, datetime) else now
    seconds = max((end - start).total_seconds(), 0.0)
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def pretty(text: Any) -> str:
    """JSON text pretty-printed when it parses, as it is otherwise; escaped, in a <pre>."""
    if text is None:
        return ""
    raw = text if isinstance(text, str) else json.dumps(text, default=str)
    try:
        shown = json.dumps(json.loads(raw), indent=2, sort_keys=True, ensure_ascii=False)
    except ValueError:
        shown = raw
    return f"<pre>{escape(shown)}</pre>"


def collapsed(summary: str, text: Any) -> str:
    if text in (None, ""):
        return ""
    return f"<details><summary>{escape(summary)}</summary>{pretty(text)}</details>"


def status_badge(status: str) -> str:
    return f'<span class="status status-{escape(status)}">{escape(status)}</span>'


def table(headers: list[str], rows: list[str], *, empty: str) -> str:
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
