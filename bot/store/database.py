"""The engines: SQLite (aiosqlite, and a thread for one-trip work) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

from bot.store.batch import InsertBatch

T = TypeVar("T")


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key a one-row INSERT gave its row."""
    key = result.inserted_primary_key
    assert key is not None, "not a one-row INSERT"
    return int(key[0])


def _sqlite_pragmas(pause: Callable[[float], Any]) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # busy_timeout waits instead of failing. WAL lets readers work while a writer commits.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=10000")
        _wal(cursor, pause)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def _wal(cursor: Any, pause: Callable[[float], Any]) -> None:
    """Switch the file to WAL once (it stays so). The switch takes a lock SQLite does not wait
    for, so a connection that races another one on a new file pauses and tries again."""
    for _ in range(100):
        try:
            cursor.execute("PRAGMA journal_mode")
            if cursor.fetchone()[0] == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            pause(0.05)
    raise sqlite3.OperationalError("could not switch the database to WAL mode")


def _pause_in_greenlet(seconds: float) -> None:
    """Async connect hooks run in SQLAlchemy's greenlet: sleep without blocking the loop."""
    await_only(asyncio.sleep(seconds))


class Database:
    """Owns the engines. Services borrow connections through `begin()` and `connect()`, or
    hand synchronous work to `run_transaction()` and `run_read()` on hot paths."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        # A server may drop idle connections, a file cannot: pinging each checkout of a SQLite
        # connection would cost a round trip to its thread on every statement's transaction.
        self.engine: AsyncEngine = create_async_engine(url, pool_pre_ping=not self.is_sqlite)
        # On SQLite, a second engine on the same file runs `run_transaction` and `run_read`
        # work in one thread of its own.
        self._sqlite: tuple[Engine, ThreadPoolExecutor] | None = None
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas(_pause_in_greenlet))
            engine = create_engine(self.url.set(drivername="sqlite"))
            # That thread may sleep: it is not the event loop's.
            event.listen(engine, "connect", _sqlite_pragmas(time.sleep))
            self._sqlite = engine, ThreadPoolExecutor(1, thread_name_prefix="sqlite")
        self._writer = asyncio.Lock()
        self._writing: asyncio.Task[Any] | None = None
        self._batch = InsertBatch(self)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A transaction, committed when the block ends without error."""
        async with self._turn(), self.engine.begin() as conn:
            yield conn

    async def run_transaction(self, work: Callable[[Connection], T]) -> T:
        """Run `work` (synchronous SQLAlchemy calls) in one transaction, committed when it
        returns.

        Through aiosqlite every statement, fetch, commit and rollback is its own trip to the
        connection's thread (about 0.1 ms of CPU each); on SQLite this runs the whole
        transaction in one trip to the SQLite thread. PostgreSQL runs it on the async engine.
        """
        if self._sqlite is None:
            async with self.begin() as conn:
                return await conn.run_sync(work)
        async with self._turn():
            return await self._in_sqlite_thread(work, commit=True)

    async def run_read(self, work: Callable[[Connection], T]) -> T:
        """Run `work` (synchronous SQLAlchemy reads) on a connection: one trip on SQLite."""
        if self._sqlite is None:
            async with self.connect() as conn:
                return await conn.run_sync(work)
        return await self._in_sqlite_thread(work, commit=False)

    async def _in_sqlite_thread(self, work: Callable[[Connection], T], *, commit: bool) -> T:
        assert self._sqlite is not None
        engine, thread = self._sqlite

        def run() -> T:
            with engine.begin() if commit else engine.connect() as conn:
                return work(conn)

        return await asyncio.get_running_loop().run_in_executor(thread, run)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """SQLite has one writer at a time: this process's transactions queue here, in order,
        instead of in SQLite's busy handler, which sleeps up to 100 ms a try when they collide.
        """
        if not self.is_sqlite:
            yield
            return
        task = asyncio.current_task()
        if task is not None and task is self._writing:
            raise RuntimeError("a transaction begun inside its own task's transaction")
        async with self._writer:
            self._writing = task
            try:
                yield
            finally:
                self._writing = None

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def insert_new(
        self, table: Table, key: Sequence[str], rows: list[dict[str, Any]]
    ) -> list[bool]:
        """Insert the rows whose `key` columns are not in `table` yet; which rows were new.

        Committed before it returns, in one transaction with concurrent callers' rows (see
        `batch`). Not for use inside a transaction of this database.
        """
        return await self._batch.insert_new(table, key, rows)

    async def lock(self, conn: AsyncConnection, key: int) -> None:
        """Hold a lock named by `key` until `conn`'s transaction ends: processes take turns.

        Call it first in the transaction. SQLite has one lock, taken by starting the
        transaction as a writer; PostgreSQL has an advisory lock per key.
        """
        if self.is_sqlite:
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - health reports any failure
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._sqlite is not None:
            engine, thread = self._sqlite
            await asyncio.get_running_loop().run_in_executor(thread, engine.dispose)
            thread.shutdown()
