"""Persistence (SQLAlchemy 2 Core): card feedback and the JWT `jti` replay list.

Any SQLAlchemy URL works (`DATABASE_URL`); the default is a SQLite file. Tables are created at
start-up. Nothing here stores a token or a JWT: the replay list keeps (iss, jti, expiry) only.
"""

from __future__ import annotations

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
from sqlalchemy.exc import IntegrityError, OperationalError
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


class Storage:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        create_tables(self.engine)
        self._last_purge = 0
        # built once: a statement built per call (`insert(...).values(...)`) costs SQLAlchemy a fresh
        # cache key each time, about half of the per-request replay check
        self._insert_jti = insert(jti_table)
        self._purge_jti = delete(jti_table).where(jti_table.c.expires_at < bindparam("now"))

    PURGE_INTERVAL_S = 60  # expired jti rows are purged at most once a minute, not on every call

    def remember_jti(self, iss: str, jti: str, expires_at: int, now: int) -> bool:
        """Record a token id; False if it was already seen and has not expired (a replay)."""
        if now - self._last_purge >= self.PURGE_INTERVAL_S:
            self._last_purge = now
            with self.engine.begin() as conn:
                conn.execute(self._purge_jti, {"now": now})
        try:
            with self.engine.begin() as conn:
                conn.execute(self._insert_jti, {"iss": iss, "jti": jti, "expires_at": expires_at})
        except IntegrityError:
            return False
        return True

    def store_feedback(self, rows: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
        """Insert each row unless its (service, card, outcome, suggestion) is stored: (stored, duplicates)."""
        stored = duplicates = 0
        received = datetime.now(UTC)
        for row in rows:
            values = {name: row.get(name) for name in FEEDBACK_FIELDS}
            values["suggestion_id"] = values["suggestion_id"] or ""
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(feedback_table).values(**values, received_at=received))
                stored += 1
            except IntegrityError:
                duplicates += 1
        return stored, duplicates

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
