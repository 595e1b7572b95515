"""Tests of the Alembic migrations (on databases that already hold rows) and of the schema
they build agreeing with the models."""
