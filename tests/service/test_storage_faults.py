"""Bounded feedback posts, one transaction per post, and storage faults answered 503 (never "stored").

A full disk is simulated for real with SQLite's own limit: `PRAGMA max_page_count` makes every write
that needs a new page fail with SQLITE_FULL ("database or disk is full"), the error a full disk gives.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event

from cds_service.errors import operation_outcome
from cds_service.feedback import MAX_ITEMS, MAX_SUGGESTIONS
from storage import EXTENSION_KEY as STORAGE_KEY
from storage import Storage, StorageUnavailable

TS = "2025-06-01T10:15:00Z"
URL = "/cds-services/test-view/feedback"


def accepted(card: str, n: int) -> dict:
    return {"card": card, "outcome": "accepted", "outcomeTimestamp": TS,
            "acceptedSuggestions": [{"id": f"s-{i}"} for i in range(n)]}


def _count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM cds_feedback").fetchone()[0]


def test_caps_are_400_and_store_nothing(app, tmp_path):
    client = app.test_client()
    at_cap = client.post(URL, json={"feedback": [accepted(f"c-{i}", MAX_SUGGESTIONS) for i in range(MAX_ITEMS)]})
    assert (at_cap.status_code, at_cap.get_json()) == (200, {"stored": 2000, "duplicates": 0})
    too_many_items = client.post(URL, json={"feedback": [accepted(f"d-{i}", 1) for i in range(MAX_ITEMS + 1)]})
    assert (too_many_items.status_code, too_many_items.get_json()) == (
        400, operation_outcome(400, "at most 100 feedback items per request"))
    too_many_suggestions = client.post(URL, json={"feedback": [accepted("e", 1), accepted("f", MAX_SUGGESTIONS + 1)]})
    assert (too_many_suggestions.status_code, too_many_suggestions.get_json()) == (
        400, operation_outcome(400, "feedback[1]: at most 20 acceptedSuggestions per item"))
    huge = client.post(URL, json={"feedback": [accepted("g", 250_000)]})
    assert (huge.status_code, huge.get_json()) == (  # the 250,000: refused before any insert
        400, operation_outcome(400, "feedback[0]: at most 20 acceptedSuggestions per item"))
    assert _count(tmp_path / "cds.db") == 2000


def _full_after(storage: Storage, pages: int) -> None:
    """Every new connection of `storage` may grow the file to at most `pages` pages."""
    storage.engine.dispose()

    @event.listens_for(storage.engine, "connect")
    def _cap(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")


def test_disk_full_mid_post_is_503_and_stores_nothing_of_it(app, tmp_path):
    client = app.test_client()
    assert client.post(URL, json={"feedback": [accepted("before", 1)]}).status_code == 200
    database = tmp_path / "cds.db"
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    _full_after(app.extensions[STORAGE_KEY], pages + 2)  # room for a few rows, not for 2000
    resp = client.post(URL, json={"feedback": [accepted(f"c-{i}", MAX_SUGGESTIONS) for i in range(MAX_ITEMS)]})
    assert (resp.status_code, resp.get_json(), resp.headers["Retry-After"]) == (503, operation_outcome(503), "5")
    assert _count(database) == 1  # all or nothing: not the first rows of the post
    ready = client.get("/readyz")
    assert ready.status_code == 200  # a small write still fits: readiness is about writing at all


def test_deleted_file_is_unavailable_before_and_after_a_write(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        storage.check_writable()
        assert storage.remember_jti("iss", "j1", 2**31, 0, issued_at=storage.created_at) is True
        (tmp_path / "x.db").unlink()
        with pytest.raises(StorageUnavailable):
            storage.remember_jti("iss", "j2", 2**31, 0, issued_at=storage.created_at)
        with pytest.raises(StorageUnavailable):
            storage.store_feedback([{"service_id": "s", "card": "c", "outcome": "overridden",
                                     "outcome_timestamp": TS}])
        with pytest.raises(StorageUnavailable):
            storage.check_writable()
        assert not (tmp_path / "x.db").exists()
    finally:
        storage.close()


def test_a_replaced_file_is_unavailable_too(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        (tmp_path / "x.db").rename(tmp_path / "old.db")
        sqlite3.connect(tmp_path / "x.db").close()  # someone puts an empty file in its place
        with pytest.raises(StorageUnavailable):
            storage.check_writable()
    finally:
        storage.close()


class _Clock:
    """storage's `time`, set by hand (only `time()` is used there)."""

    def __init__(self, now: int) -> None:
        self.now = now

    def time(self) -> float:
        return self.now + 0.5


@pytest.fixture
def clock(monkeypatch):
    import storage as storage_module

    fake = _Clock(1_000_000)
    monkeypatch.setattr(storage_module, "time", fake)
    return fake


@pytest.fixture
def lazy_store(tmp_path, clock):
    """A store built at 1,000,000 s and not opened yet (a worker that has booted, before its first call)."""
    storage = Storage(f"sqlite:///{tmp_path / 'x.db'}", connect=False)
    yield storage
    storage.close()


def test_a_fresh_list_opened_by_the_first_call_accepts_that_calls_token(lazy_store, clock):
    # the CI failure of the stop after 5e5f75d: the store opened on the first call dated its list from the
    # open, one second after the token of that very call had been signed, and the EHR got 401
    clock.now += 3  # the EHR signs at +2, the call opens the store at +3
    assert lazy_store.remember_jti("iss", "first", 2**31, clock.now, issued_at=1_000_002) is True
    assert lazy_store.created_at == 1_000_000
    assert lazy_store.remember_jti("iss", "before-the-process", 2**31, clock.now, issued_at=999_999) is False


def test_a_fresh_list_is_dated_back_at_most_a_minute_before_its_open(lazy_store, clock):
    clock.now += 3600  # a worker idle for an hour opens a fresh database
    assert lazy_store.created_at == 1_000_000 + 3600 - Storage.FRESH_LIST_BACKDATE_MAX_S
    assert lazy_store.remember_jti("iss", "old", 2**31, clock.now, issued_at=1_003_539) is False
    assert lazy_store.remember_jti("iss", "new", 2**31, clock.now, issued_at=1_003_540) is True


def test_a_later_process_keeps_the_date_of_the_list_it_finds(tmp_path, clock):
    first = Storage(f"sqlite:///{tmp_path / 'x.db'}")
    clock.now += 500
    later = Storage(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert (first.created_at, later.created_at) == (1_000_000, 1_000_000)
    finally:
        first.close()
        later.close()


def test_tokens_issued_before_the_store_began_are_refused(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert storage.remember_jti("iss", "old", 2**31, 0, issued_at=storage.created_at - 1) is False
        assert storage.remember_jti("iss", "new", 2**31, 0, issued_at=storage.created_at) is True
        assert storage.remember_jti("iss", "new", 2**31, 0, issued_at=storage.created_at) is False  # replay
        again = Storage(f"sqlite:///{tmp_path / 'x.db'}")  # a restart on the same file keeps the start
        assert again.created_at == storage.created_at
        again.close()
    finally:
        storage.close()


def test_a_store_opened_on_first_use_is_built_without_its_database_and_503s_until_it_is_there(tmp_path):
    # connect=False is how the app builds it: a worker booting while the database is down must come up
    folder = tmp_path / "not-yet"
    storage = Storage(f"sqlite:///{folder / 'x.db'}", connect=False)  # the folder does not exist: unopenable
    try:
        for call in (storage.check_writable, lambda: storage.store_feedback([{"card": "c"}]),
                     lambda: storage.remember_jti("iss", "j", 2**31, 0, issued_at=0), storage.feedback_rows):
            with pytest.raises(StorageUnavailable):
                call()
        folder.mkdir()  # the database is back: the next call opens it, creates the tables, and works
        assert storage.remember_jti("iss", "j", 2**31, 0, issued_at=storage.created_at) is True
        assert _count(folder / "x.db") == 0
    finally:
        storage.close()


def test_a_store_opened_on_first_use_without_its_schema_is_503_not_a_crash(tmp_path):
    sqlite3.connect(tmp_path / "empty.db").close()
    storage = Storage(f"sqlite:///{tmp_path / 'empty.db'}", create=False, connect=False)
    try:
        with pytest.raises(StorageUnavailable, match="run `essdai-cds db upgrade` first"):
            storage.check_writable()
    finally:
        storage.close()


def test_a_file_deleted_before_the_first_use_is_not_recreated_by_it(tmp_path):
    Storage(f"sqlite:///{tmp_path / 'x.db'}").close()  # `serve` made the file before the workers
    storage = Storage(f"sqlite:///{tmp_path / 'x.db'}", connect=False)  # a worker's app: not opened yet
    try:
        (tmp_path / "x.db").unlink()
        with pytest.raises(StorageUnavailable, match="deleted or replaced"):
            storage.store_feedback([{"card": "c"}])
        assert not (tmp_path / "x.db").exists()
    finally:
        storage.close()
