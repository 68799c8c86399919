"""MongoClient factories. No I/O here until a command runs: pymongo connects in the background.

Clients are cached per URI (one per process, as pymongo recommends); documents come back as
dicts with timezone-aware datetimes, and UUIDs use the standard BSON subtype 4.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from pymongo import MongoClient

if TYPE_CHECKING:
    from pymongo.database import Database

DEFAULT_DATABASE = "resale"
APP_NAME = "resale"

_clients: dict[str, MongoClient[dict[str, Any]]] = {}
_lock = threading.Lock()


def new_client(uri: str, **options: Any) -> MongoClient[dict[str, Any]]:
    """A new, uncached client for ``uri`` with the project's options (``options`` override)."""
    settings: dict[str, Any] = {
        "tz_aware": True,
        "uuidRepresentation": "standard",
        "appname": APP_NAME,
        "serverSelectionTimeoutMS": 10_000,
        "connectTimeoutMS": 5_000,
        "retryWrites": True,
    }
    settings.update(options)
    return MongoClient(uri, **settings)


def mongo_client(uri: str) -> MongoClient[dict[str, Any]]:
    """The process-wide client for ``uri``."""
    with _lock:
        client = _clients.get(uri)
        if client is None:
            client = _clients[uri] = new_client(uri)
        return client


def close_clients() -> None:
    """Close every cached client (end of a test run, or a simulated cold start)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


def database_name(uri: str, default: str = DEFAULT_DATABASE) -> str:
    """The database named in the URI's path (``mongodb://host/<name>?...``), else ``default``."""
    path = urlsplit(uri).path.lstrip("/")
    return unquote(path) or default


def mongo_database(uri: str, name: str | None = None) -> Database[dict[str, Any]]:
    """Database ``name`` (default: the one the URI names, else ``resale``) on the cached client."""
    return mongo_client(uri)[name or database_name(uri)]
