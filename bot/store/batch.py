"""Group commit for the hot path: concurrent "insert unless it exists" calls share one
transaction, and one statement per table.

Every caller still returns only after the commit that holds its rows (Slack is acked only once
an event is recorded), but under load a transaction's fixed cost is paid once per batch
instead of once per event, and on SQLite a batch is one trip to the SQLite thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Table

from bot.store.conflicts import insert_ignoring_conflicts

T = TypeVar("T")


class Transactions(Protocol):
    """What the batch needs of `Database`: named here, so the store has no import cycle
    (`Database` owns a batch; the batch only runs work in its transactions)."""

    async def run_transaction(self, work: Callable[[Connection], T]) -> T: ...


Row = dict[str, Any]
# Rows per statement: far below SQLite's limit of bound values, whatever the table.
CHUNK = 200


@dataclass
class _Ask:
    table: Table
    key: tuple[str, ...]
    rows: list[Row]
    done: asyncio.Future[list[bool]] = field(repr=False)

    @property
    def shape(self) -> tuple[Table, tuple[str, ...], frozenset[str]]:
        """Rows of one shape go into one statement (executed with many parameter sets)."""
        return self.table, self.key, frozenset(self.rows[0])


class InsertBatch:
    def __init__(self, db: Transactions) -> None:
        self.db = db
        self._asks: list[_Ask] = []
        self._flushing: asyncio.Task[None] | None = None

    async def insert_new(self, table: Table, key: Sequence[str], rows: list[Row]) -> list[bool]:
        """Insert the rows whose `key` columns are not in `table` yet; which rows were new.

        Never call it inside a transaction of the same database: the batch would wait for it.
        """
        if not rows:
            return []
        ask = _Ask(table, tuple(key), rows, asyncio.get_running_loop().create_future())
        self._asks.append(ask)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush(), name="insert-batch")
        return await asyncio.shield(ask.done)

    async def _flush(self) -> None:
        while self._asks:
            asks, self._asks = self._asks, []
            try:
                results = await self.db.run_transaction(partial(_write, asks=asks))
            except Exception:  # noqa: BLE001
                # One bad row must not fail the others: each ask alone, in its own transaction.
                for ask in asks:
                    await self._alone(ask)
                continue
            for ask, result in zip(asks, results, strict=True):
                ask.done.set_result(result)

    async def _alone(self, ask: _Ask) -> None:
        try:
            [result] = await self.db.run_transaction(partial(_write, asks=[ask]))
        except Exception as exc:  # noqa: BLE001 - handed to the waiting caller
            ask.done.set_exception(exc)
        else:
            ask.done.set_result(result)


def _write(conn: Connection, asks: list[_Ask]) -> list[list[bool]]:
    """Insert every ask's rows; within the batch the first row with a key value wins."""
    results = [[False] * len(ask.rows) for ask in asks]
    shapes: dict[tuple[Table, tuple[str, ...], frozenset[str]], list[int]] = {}
    for index, ask in enumerate(asks):
        shapes.setdefault(ask.shape, []).append(index)
    for (table, key, _columns), indexes in shapes.items():
        first: dict[tuple[Any, ...], tuple[int, int]] = {}
        for i in indexes:
            for j, row in enumerate(asks[i].rows):
                first.setdefault(tuple(row[k] for k in key), (i, j))
        distinct = list(first)
        for start in range(0, len(distinct), CHUNK):
            chunk = distinct[start : start + CHUNK]
            statement = insert_ignoring_conflicts(table, *key).returning(*(table.c[k] for k in key))
            rows = [asks[first[v][0]].rows[first[v][1]] for v in chunk]
            for inserted in conn.execute(statement, rows):
                i, j = first[tuple(inserted)]
                results[i][j] = True
    return results
