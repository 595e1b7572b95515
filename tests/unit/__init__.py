"""Unit tests: one module or rule at a time, records made by ``tests.factories``, no launches."""
