"""`INSERT ... ON CONFLICT (columns) DO NOTHING` that SQLAlchemy can cache.

The dialects' own `insert().on_conflict_do_nothing()` opts out of the compiled-statement
cache, so each call compiled the statement anew: on the ingest path that was a sixth of the
bot's CPU. SQLite (3.24+) and PostgreSQL spell this clause the same way, so one construct with
a cache key (its table's statement plus the conflict columns) serves both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.visitors import InternalTraversal


class OnConflictDoNothing(ClauseElement):
    __visit_name__ = "outagebot_on_conflict_do_nothing"
    _traverse_internals = [("columns", InternalTraversal.dp_string_list)]  # noqa: RUF012

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = list(columns)


@compiles(OnConflictDoNothing)
def _render(clause: OnConflictDoNothing, compiler: SQLCompiler, **_kw: Any) -> str:
    columns = ", ".join(compiler.preparer.quote(column) for column in clause.columns)
    return f"ON CONFLICT ({columns}) DO NOTHING"


def insert_ignoring_conflicts(table: Table, *conflict_columns: str) -> Insert:
    """INSERT that silently keeps the existing row on a conflict on `conflict_columns`."""
    unknown = [c for c in conflict_columns if c not in table.c]
    if not conflict_columns or unknown:
        raise ValueError(f"conflict columns {unknown or '(none)'} of {table.name}")
    statement = Insert(table)
    # The post-values clause is where the dialects put their own ON CONFLICT; it is part
    # of the statement's cache key.
    statement._post_values_clause = OnConflictDoNothing(conflict_columns)
    return statement
