"""The SQLAlchemy declarative base, column types and helpers shared by every model.

Models are typed SQLAlchemy 2.0 classes (``Mapped[...]`` + ``mapped_column``). The schema is
owned by Alembic migrations in ``migrations/``; ``create_all`` is never called by the app.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

from sqlalchemy import DateTime, Enum, MetaData, String, TypeDecorator, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    registry,
    with_loader_criteria,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and always read back as an aware UTC datetime.

    SQLite has no time zones and PostgreSQL ``timestamp without time zone`` neither; storing
    naive UTC everywhere keeps both backends identical and comparisons in Python safe.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stored: dt.datetime = value  # the driver hands back a naive datetime
        return stored.replace(tzinfo=dt.UTC)


def _enum_values(enum_class: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in enum_class]


def enum_string(enum_class: type[enum.StrEnum], name: str, length: int = 20) -> Enum:
    """A ``String(length)`` column that holds the values of ``enum_class``, read back as its
    members, with a CHECK constraint listing the allowed values.

    ``name`` (the column's name) names the constraint through the naming convention:
    ``ck_<table>_<name>``. The values, not the member names, are stored, so the rows written
    before the column was typed read back unchanged.
    """
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=_enum_values,
    )


intpk = Annotated[int, mapped_column(primary_key=True)]
str255 = Annotated[str, mapped_column(String(255))]
url = Annotated[str, mapped_column(String(2048))]
created_at = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow)]
updated_at = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)]


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention Alembic can diff reliably."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    """SQLite enforces foreign keys (and so ON DELETE CASCADE / SET NULL) only when asked,
    per connection; without this a tenant purge would leave its rows behind."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


# -- soft delete ----------------------------------------------------------------------------

#: Execution option that lets a query see soft-deleted rows (undo, purge, erasure).
INCLUDE_DELETED = "include_deleted"
#: How long a deleted goal, course or piece of evidence can be brought back ("Undo") before
#: ``ilp purge-deleted`` removes it for good.
PURGE_AFTER_DAYS = 30


class SoftDeletable:
    """Mixin of the rows a student deletes with an undo: goals, courses of the course plan,
    evidence. "Deleting" one sets ``deleted_at``; every ORM query of the application then
    stops seeing it (``_hide_deleted``), so the plan, the export, counts, the class view
    and matching need no filter of their own. Pass ``execution_options(include_deleted=True)``
    to see them (undo, the purge). ``ilp purge-deleted`` removes them for good after some
    days.
    """

    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)


@event.listens_for(Session, "do_orm_execute")
def _hide_deleted(state: ORMExecuteState) -> None:
    """Add ``deleted_at IS NULL`` for every soft-deletable entity of an ORM SELECT (also in
    joins, aliases, relationship loads and ``session.get``), unless the query asks for
    ``include_deleted``. UPDATE and DELETE statements are left alone (the purge and the
    erasure of a whole plan must reach every row)."""
    if (
        state.is_select
        and not state.is_column_load
        and not state.execution_options.get(INCLUDE_DELETED, False)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(
                SoftDeletable,
                lambda cls: cls.deleted_at.is_(None),
                include_aliases=True,
            )
        )
