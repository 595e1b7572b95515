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
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry

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
