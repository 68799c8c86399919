"""The local console: executions and their graphs, the outbox, queues and DLQs (see ``app``)."""

from __future__ import annotations

from local.console.app import ConsoleContext, make_console_app

__all__ = ["ConsoleContext", "make_console_app"]
