"""Persistence (SQLAlchemy 2 Core): card feedback and the JWT `jti` replay list.

Any SQLAlchemy URL works (`DATABASE_URL`); the default is a SQLite file. Tables are created at
start-up. Nothing here stores a token or a JWT: the replay list keeps (iss, jti, expiry) only.

Storage that is gone raises `StorageUnavailable` (the service answers 503), never a false
acknowledgement:
- any SQLAlchemy error on a write (read-only file, full disk, server down) becomes StorageUnavailable;
- a SQLite file deleted (or replaced) while running: an open connection keeps writing to the unlinked
  inode and every commit "succeeds" into nothing. The (st_dev, st_ino) of the file at start-up is
  compared with the path's before each write and after its commit; a mismatch or a missing file is
  StorageUnavailable until the process restarts (the file is not recreated behind the operator's back:
  readiness fails, the orchestrator restarts the instance and the operator sees why);
- the replay list is complete only since the store was created (`storage_meta.created_at`): a token
  issued before that is refused, so a database lost and recreated cannot accept again a jti it had seen.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
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
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
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


def make_engine(url: str) -> Engine:
    if url in ("sqlite://", "sqlite:///:memory:"):
        # one shared in-memory database for every thread of this process (tests)
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 5})
        event.listen(engine, "connect", _sqlite_wal)
        return engine
    return create_engine(url, pool_pre_ping=True)


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


def create_tables(engine: Engine, tables: MetaData | None = None, attempts: int = 5) -> None:
    """create_all, retried: gunicorn workers start together on a fresh file and race between "does the
    table exist" and CREATE TABLE ("already exists", or "database is locked" while another worker
    switches the file to WAL). A retry sees the other worker's tables and skips them."""
    for attempt in range(attempts):
        try:
            (tables if tables is not None else metadata).create_all(engine)
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _insert_ignoring_duplicates(engine: Engine, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING (SQLite >= 3.24, PostgreSQL): a duplicate is not an error, so
    one transaction can hold a whole post (an IntegrityError would abort it on PostgreSQL)."""
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(engine.dialect.name)
    if dialect is None:
        raise ValueError(f"unsupported database dialect {engine.dialect.name!r} (SQLite or PostgreSQL)")
    return dialect.insert(table).on_conflict_do_nothing()


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
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        create_tables(self.engine)
        self._last_purge = 0
        # built once: a statement built per call (`insert(...).values(...)`) costs SQLAlchemy a fresh
        # cache key each time, about half of the per-request replay check
        self._insert_jti = insert(jti_table)
        self._purge_jti = delete(jti_table).where(jti_table.c.expires_at < bindparam("now"))
        self._insert_feedback = _insert_ignoring_duplicates(self.engine, feedback_table)
        self._file = _sqlite_file(url)
        self._identity = _file_identity(self._file) if self._file else None
        self.created_at = self._created_at()

    PURGE_INTERVAL_S = 60  # expired jti rows are purged at most once a minute, not on every call

    def _created_at(self) -> int:
        """When this store's replay list began (set once, by the first process on a fresh database)."""
        with self.engine.begin() as conn:
            conn.execute(_insert_ignoring_duplicates(self.engine, meta_table),
                         {"key": "created_at", "value": str(int(time.time()))})
            return int(conn.execute(select(meta_table.c.value).where(meta_table.c.key == "created_at")).scalar_one())

    def _check_file(self) -> None:
        if self._file is not None and _file_identity(self._file) != self._identity:
            raise StorageUnavailable("the database file was deleted or replaced while running")

    def _write(self, statement: Any, rows: list[dict[str, Any]] | dict[str, Any]) -> list[int]:
        """Execute `statement` once per row in ONE transaction; rowcount per row. Checked against a
        deleted file before and after the commit, so nothing is acknowledged that went nowhere."""
        self._check_file()
        try:
            with self.engine.begin() as conn:
                counts = [conn.execute(statement, row).rowcount for row in (rows if isinstance(rows, list) else [rows])]
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
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def close(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> Storage:
    storage = Storage(app.config["DATABASE_URL"])
    app.extensions[EXTENSION_KEY] = storage
    return storage


def get_storage() -> Storage:
    return current_app.extensions[EXTENSION_KEY]
