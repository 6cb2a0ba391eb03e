"""Sealed (encrypted and authenticated) values: the worksheet's cookies and the facts a page carries.

Fernet (AES-128-CBC + HMAC-SHA256, with a timestamp checked against a TTL). The key comes from
WORKSHEET_SECRET_KEY; without it, one is generated once and kept in the service database, so every
gunicorn worker (and a restart) uses the same key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import zlib
from collections.abc import Callable
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from storage import StorageUnavailable, create_tables

_metadata = MetaData()
_secret_table = Table(
    "worksheet_secret",
    _metadata,
    Column("id", Integer, primary_key=True),  # always 1: one key per service database
    Column("secret", String(128), nullable=False),
)


class Unsealed(ValueError):
    """The value was not sealed by this service, was altered, or is older than its TTL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "expired" | "invalid"


def stored_secret(engine: Engine) -> str:
    """The service database's worksheet secret, created on first use (workers race safely);
    StorageUnavailable when the database cannot be reached."""
    try:
        return _stored_secret(engine)
    except SQLAlchemyError as exc:
        raise StorageUnavailable(type(exc).__name__) from None


def _stored_secret(engine: Engine) -> str:
    create_tables(engine, _metadata)  # retried: workers may boot together on a fresh file
    with engine.connect() as conn:
        row = conn.execute(select(_secret_table.c.secret).where(_secret_table.c.id == 1)).first()
    if row is not None:
        return str(row[0])
    try:
        with engine.begin() as conn:
            conn.execute(insert(_secret_table).values(id=1, secret=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another worker was first
    with engine.connect() as conn:
        return str(conn.execute(select(_secret_table.c.secret).where(_secret_table.c.id == 1)).scalar_one())


class Sealer:
    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        digest = hashlib.sha256(b"essdai-cds worksheet v1\x00" + secret.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self.clock = clock  # injectable for tests

    def seal(self, value: Any, *, compress: bool = False) -> str:
        # orjson: the same compact UTF-8 bytes as json.dumps(separators=(",", ":"), ensure_ascii=False), ~10x
        # faster on the facts a page seals (a 5-year history is ~25 KB of JSON)
        data = orjson.dumps(value)
        data = b"z" + zlib.compress(data, 6) if compress else b"j" + data
        return self._fernet.encrypt_at_time(data, int(self.clock())).decode("ascii")

    def unseal(self, token: str | None, ttl: int) -> Any:
        if not token or not isinstance(token, str):
            raise Unsealed("invalid")
        try:
            data = self._fernet.decrypt_at_time(token.encode("ascii"), ttl, int(self.clock()))
        except InvalidToken:
            raise Unsealed(self._why(token, ttl)) from None
        except (UnicodeEncodeError, ValueError):
            raise Unsealed("invalid") from None
        try:
            body = zlib.decompress(data[1:]) if data[:1] == b"z" else data[1:]
            return json.loads(body)
        except (zlib.error, ValueError):
            raise Unsealed("invalid") from None

    def _why(self, token: str, ttl: int) -> str:
        """Tell an expired value (authentic but old) from a forged or altered one."""
        try:
            self._fernet.decrypt_at_time(token.encode("ascii"), 10**10, int(self.clock()))
        except (InvalidToken, UnicodeEncodeError, ValueError):
            return "invalid"
        return "expired"
