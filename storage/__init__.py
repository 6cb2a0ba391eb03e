"""Persistence (SQLAlchemy 2 Core): card feedback and the JWT `jti` replay list.

Any SQLAlchemy URL works (`DATABASE_URL`); the default is a SQLite file, PostgreSQL
(`postgresql+psycopg://`, the `postgres` extra) is the one for replicas. Tables are created at start-up
(safe with many processes starting at once) or by the one-shot `essdai-cds db upgrade`. Nothing here stores a token or a JWT: the replay list keeps (iss, jti, expiry) only.

Storage that is gone raises `StorageUnavailable` (the service answers 503), never a false
acknowledgement:
- any SQLAlchemy error on a write (read-only file, full disk, server down) becomes StorageUnavailable;
- a SQLite file deleted (or replaced) while running: an open connection keeps writing to the unlinked
  inode and every commit "succeeds" into nothing. The (st_dev, st_ino) of the file at start-up is
  compared with the path's before each write and after its commit; a mismatch or a missing file is
  StorageUnavailable until the process restarts (the file is not recreated behind the operator's back:
  readiness fails, the orchestrator restarts the instance and the operator sees why);
- the replay list is complete only since the store was created (`storage_meta.created_at`, dated from when
  the creating process was built, at most a minute before its first open): a token issued before that is
  refused, so a database lost and recreated cannot accept again a jti it had seen.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

EXTENSION_KEY = "essdai_cds.storage"
metadata = MetaData()

feedback_table = Table(
    "cds_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(100), nullable=False),
    Column("card", String(255), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("suggestion_id", String(255), nullable=False),  # "" when no suggestion (NULLs would not dedupe)
    Column("override_system", String(255)),
    Column("override_code", String(255)),
    Column("override_display", String(500)),
    Column("user_comment", Text),
    Column("outcome_timestamp", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("service_id", "card", "outcome", "suggestion_id", name="uq_cds_feedback"),
)

jti_table = Table(
    "jwt_replay",
    metadata,
    Column("iss", String(255), primary_key=True),
    Column("jti", String(255), primary_key=True),
    Column("expires_at", Integer, nullable=False, index=True),  # epoch seconds (token exp + leeway)
)

meta_table = Table(
    "storage_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)


class StorageUnavailable(Exception):
    """The database cannot be written now (gone, read-only, full, unreachable): answer 503."""


FEEDBACK_FIELDS = ("service_id", "card", "outcome", "suggestion_id", "override_system", "override_code",
                   "override_display", "user_comment", "outcome_timestamp")


@dataclass(frozen=True)
class PoolSettings:
    """Connections per worker process for a server database (README "Production": workers x instances x
    (size + overflow) must stay under the server's max_connections)."""

    size: int = 5
    max_overflow: int = 5
    timeout_s: float = 2.0


# pg_advisory_xact_lock key that serialises schema creation across processes ("essdaisc" in ASCII)
SCHEMA_LOCK_KEY = 0x6573736461697363


class SchemaMissing(RuntimeError):
    """DATABASE_CREATE_TABLES is off and `essdai-cds db upgrade` has not been run on this database."""


CONNECT_TIMEOUT_S = 2  # seconds for a new PostgreSQL connection (libpq counts whole seconds, at least 2)


def make_engine(url: str, pool: PoolSettings | None = None) -> Engine:
    if url in ("sqlite://", "sqlite:///:memory:"):
        # one shared in-memory database for every thread of this process (tests)
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 5})
        event.listen(engine, "connect", _sqlite_wal)
        return engine
    pool = pool or PoolSettings()
    # pre-ping: a connection the server dropped (restart, failover) is replaced, not handed out.
    # connect_timeout: psycopg waits 130 s by default, so a database host that drops packets held a call
    # (and a gevent worker's one request at a time) for two minutes; a `connect_timeout` in the URL wins
    parsed = make_url(url)
    connect_args = ({"connect_timeout": CONNECT_TIMEOUT_S}
                    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query else {})
    return create_engine(url, pool_pre_ping=True, pool_size=pool.size, max_overflow=pool.max_overflow,
                         pool_timeout=pool.timeout_s, connect_args=connect_args)


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    """WAL + synchronous=NORMAL: a commit (each `jti` insert) appends to the log without an fsync; a
    crash can lose the last commits but never corrupts the file. Losing a few replay-list rows on a
    power cut only reopens tokens that expire within minutes anyway."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def create_tables(engine: Engine, tables: MetaData | None = None, attempts: int = 5) -> list[str]:
    """create_all, safe when many processes start together on a fresh database; the names it created.

    PostgreSQL: one transaction under a transaction-level advisory lock, so processes create the schema
    one after the other and the later ones find it there (without the lock 13-14 of 30 concurrent starts
    failed on duplicate-table errors: create_all's "does it exist" check and CREATE TABLE race).
    SQLite: workers race between the check and CREATE TABLE ("already exists", or "database is locked"
    while another switches the file to WAL); a retry sees the other worker's tables and skips them.
    Any such error is retried a few times on every backend."""
    meta = tables if tables is not None else metadata
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
                existing = set(inspect(conn).get_table_names())
                meta.create_all(conn)
            return [name for name in meta.tables if name not in existing]
        except (OperationalError, ProgrammingError, IntegrityError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    return []


def missing_tables(engine: Engine, tables: MetaData | None = None) -> list[str]:
    meta = tables if tables is not None else metadata
    with engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
    return [name for name in meta.tables if name not in existing]


def _insert_ignoring_duplicates(engine: Engine, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING (SQLite >= 3.24, PostgreSQL): a duplicate is not an error, so
    one transaction can hold a whole post (an IntegrityError would abort it on PostgreSQL)."""
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(engine.dialect.name)
    if dialect is None:
        raise ValueError(f"unsupported database dialect {engine.dialect.name!r} (SQLite or PostgreSQL)")
    return dialect.insert(table).on_conflict_do_nothing()


def _count(result: Any) -> int:
    """Rows a statement wrote: the RETURNING rows when it has them, else the driver's rowcount."""
    return len(result.fetchall()) if result.returns_rows else result.rowcount


def _sqlite_file(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return os.path.abspath(parsed.database)


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class Storage:
    """The service's store. `connect=False` (what the app uses) opens it on first use: a gunicorn worker
    that boots while the database is down (a worker recycled during an outage) must come up and answer
    503 until the database is back; a boot error makes gunicorn stop the whole instance ("Worker failed
    to boot"), which turned a PostgreSQL restart into an instance lost for good. `essdai-cds serve`
    opens the store once before any worker starts, so a missing schema still stops it at start-up."""

    def __init__(self, url: str, pool: PoolSettings | None = None, *, create: bool = True,
                 connect: bool = True) -> None:
        self.engine = make_engine(url, pool)
        self._create = create
        self._open_lock = threading.Lock()
        self._created_at: int | None = None
        self._built_at = int(time.time())  # when this process could first take a call (see _read_created_at)
        self._last_purge = 0
        # built once: a statement built per call (`insert(...).values(...)`) costs SQLAlchemy a fresh
        # cache key each time, about half of the per-request replay check
        self._insert_jti = insert(jti_table)
        self._purge_jti = delete(jti_table).where(jti_table.c.expires_at < bindparam("now"))
        # RETURNING: psycopg's rowcount of an ON CONFLICT DO NOTHING insert is not the rows inserted
        self._insert_feedback = _insert_ignoring_duplicates(self.engine, feedback_table).returning(feedback_table.c.id)
        self._file = _sqlite_file(url)
        # the file as it is when the app is built (`serve` made it before the workers): opened later, it must
        # still be that file, or it was deleted or replaced meanwhile and is not recreated here
        self._identity = _file_identity(self._file) if self._file else None
        if connect:
            try:
                self.open()
            except BaseException:
                self.engine.dispose()
                raise

    PURGE_INTERVAL_S = 60  # expired jti rows are purged at most once a minute, not on every call

    def open(self) -> None:
        """Create (or check) the schema and read when the replay list began; once per process. Raises
        SchemaMissing, or the database's own error when it cannot be reached."""
        with self._open_lock:
            if self._created_at is not None:
                return
            if self._identity is not None:
                self._check_file()
            # one connection first: a database that cannot be reached fails here at once (an outage costs
            # each call one connect attempt, as for an opened store), not after create_tables' retries,
            # which are for processes racing to create the schema
            with self.engine.connect():
                pass
            if self._create:
                create_tables(self.engine)
            elif missing := missing_tables(self.engine):
                raise SchemaMissing(f"tables {', '.join(missing)} missing: run `essdai-cds db upgrade` first")
            if self._file and self._identity is None:
                self._identity = _file_identity(self._file)
            self._created_at = self._read_created_at()

    def _ready(self) -> None:
        """Open on first use; anything that stops it is StorageUnavailable (503), tried again next call."""
        if self._created_at is not None:
            return
        try:
            self.open()
        except SchemaMissing as exc:
            raise StorageUnavailable(str(exc)) from None
        except SQLAlchemyError as exc:
            raise StorageUnavailable(type(exc).__name__) from None

    def usable(self) -> None:
        """StorageUnavailable unless the store is open and its file (SQLite) is still the one opened: for
        callers that write through `engine` themselves (the worksheet's key), before and after."""
        self._ready()
        self._check_file()

    @property
    def created_at(self) -> int:
        """When this store's replay list began (epoch seconds)."""
        self._ready()
        assert self._created_at is not None
        return self._created_at

    @created_at.setter
    def created_at(self, value: int) -> None:  # tests move the start back
        self._ready()
        self._created_at = value

    # how far a fresh replay list is dated back to this process's build (see _read_created_at)
    FRESH_LIST_BACKDATE_MAX_S = 60

    def _read_created_at(self) -> int:
        """Set once, by the first process on a fresh database; read by every later one. The store opens on
        its first call, whose token was signed before the open: a list dated from the open refused that
        token whenever a second boundary fell in between (the first call of a fresh deployment got 401).
        It is dated from when this process was built, no earlier than FRESH_LIST_BACKDATE_MAX_S before the
        open: tokens issued before the process existed stay refused (a database lost and recreated), and a
        long-idle process does not open the window to tokens a lost database may have seen."""
        now = int(time.time())
        begins = max(self._built_at, now - self.FRESH_LIST_BACKDATE_MAX_S)
        with self.engine.begin() as conn:
            conn.execute(_insert_ignoring_duplicates(self.engine, meta_table),
                         {"key": "created_at", "value": str(begins)})
            return int(conn.execute(select(meta_table.c.value).where(meta_table.c.key == "created_at")).scalar_one())

    def _check_file(self) -> None:
        if self._file is not None and _file_identity(self._file) != self._identity:
            raise StorageUnavailable("the database file was deleted or replaced while running")

    def _write(self, statement: Any, rows: list[dict[str, Any]] | dict[str, Any]) -> list[int]:
        """Execute `statement` once per row in ONE transaction; rowcount per row. Checked against a
        deleted file before and after the commit, so nothing is acknowledged that went nowhere."""
        self._ready()
        self._check_file()
        try:
            with self.engine.begin() as conn:
                counts = [_count(conn.execute(statement, row)) for row in (rows if isinstance(rows, list) else [rows])]
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise StorageUnavailable(type(exc).__name__) from None
        self._check_file()
        return counts

    def check_writable(self) -> None:
        """Readiness: one real write transaction (StorageUnavailable if it cannot be made)."""
        self._write(meta_table.delete().where(meta_table.c.key == "ready-probe"), {})
        self._write(insert(meta_table), {"key": "ready-probe", "value": str(int(time.time()))})

    def remember_jti(self, iss: str, jti: str, expires_at: int, now: int, issued_at: int | None = None) -> bool:
        """Record a token id; False if it was already seen and has not expired (a replay), or if it was
        issued before this store's replay list began (it may have been seen by a lost database)."""
        if issued_at is not None and issued_at < self.created_at:
            self._check_file()
            return False
        if now - self._last_purge >= self.PURGE_INTERVAL_S:
            self._last_purge = now
            self._write(self._purge_jti, {"now": now})
        try:
            self._write(self._insert_jti, {"iss": iss, "jti": jti, "expires_at": expires_at})
        except IntegrityError:
            self._check_file()
            return False
        return True

    def store_feedback(self, rows: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
        """Store a post's rows in one transaction (all or nothing); a row whose (service, card, outcome,
        suggestion) is stored already counts as a duplicate: (stored, duplicates)."""
        received = datetime.now(UTC)
        values = []
        for row in rows:
            value = {name: row.get(name) for name in FEEDBACK_FIELDS}
            value["suggestion_id"] = value["suggestion_id"] or ""
            values.append({**value, "received_at": received})
        if not values:
            return 0, 0
        counts = self._write(self._insert_feedback, values)
        stored = sum(1 for c in counts if c == 1)
        return stored, len(values) - stored

    def feedback_rows(self, service_id: str | None = None) -> list[dict[str, Any]]:
        query = select(*[feedback_table.c[name] for name in FEEDBACK_FIELDS]).order_by(feedback_table.c.id)
        if service_id is not None:
            query = query.where(feedback_table.c.service_id == service_id)
        self._ready()
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def close(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> Storage:
    config = app.config
    pool = PoolSettings(config["DATABASE_POOL_SIZE"], config["DATABASE_MAX_OVERFLOW"],
                        config["DATABASE_POOL_TIMEOUT_S"])
    # opened on first use (Storage): building the app never needs the database to be up
    storage = Storage(config["DATABASE_URL"], pool, create=config["DATABASE_CREATE_TABLES"], connect=False)
    app.extensions[EXTENSION_KEY] = storage
    return storage


def get_storage() -> Storage:
    return current_app.extensions[EXTENSION_KEY]
