"""The data inventory classifies every column of the schema, so it cannot go stale: a model
(or a migration) that gains a column fails here until the column is described in
``lti_tool/privacy/inventory.py`` as personal (what, from where, seen by whom) or not."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import inspect

from lti_tool.extensions import db
from lti_tool.privacy import inventory


def _models_schema() -> dict[str, set[str]]:
    return {t.name: {c.name for c in t.columns} for t in db.metadata.tables.values()}


def test_every_column_of_every_model_is_classified(app: Flask) -> None:
    with app.app_context():
        problems = inventory.unclassified(_models_schema())
    assert problems == [], (
        "Classify these columns in lti_tool/privacy/inventory.py (personal or not): "
        + ", ".join(problems)
    )


def test_the_migrated_database_has_no_column_the_inventory_misses(app: Flask) -> None:
    with app.app_context():
        found = inspect(db.engine)
        schema = {
            name: {c["name"] for c in found.get_columns(name)} for name in found.get_table_names()
        }
    assert inventory.unclassified(schema) == []


def test_a_new_column_or_table_is_reported_and_so_is_a_vanished_one(app: Flask) -> None:
    with app.app_context():
        schema = _models_schema()
    schema["people"] = schema["people"] | {"home_address"}
    schema["pets"] = {"id", "name"}
    schema["plans"] = schema["plans"] - {"accommodations"}
    assert inventory.unclassified(schema) == [
        "people.home_address",
        "pets.id",
        "pets.name",
        "stale: plans.accommodations",
    ]


def test_every_personal_field_says_where_it_comes_from_and_who_sees_it() -> None:
    assert len({t.name for t in inventory.TABLES}) == len(inventory.TABLES)
    for table in inventory.TABLES:
        assert table.about and table.kept
        assert not (table.other & {f.column for f in table.personal}), table.name
        for field in table.personal:
            assert field.what and field.sources and field.seen_by, (table.name, field.column)
    # What the issue named: names, emails, accommodations (restricted), parents' phones.
    people = {f.column: f for f in inventory.BY_NAME["people"].personal}
    assert {"name", "email", "sis_id", "grade_level", "school"} <= set(people)
    accommodations = next(
        f for f in inventory.BY_NAME["plans"].personal if f.column == "accommodations"
    )
    assert accommodations.sensitive
    assert inventory.Audience.TEACHERS not in accommodations.seen_by
    assert "phone" in {f.column for f in inventory.BY_NAME["plan_items"].personal}
