"""Measure loading the shipped BLS OEWS extract, and the query functions, and print the figures.

    python benchmarks/load_oews.py                # SQLite in a temporary folder
    ILP_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python benchmarks/load_oews.py

Figures: reading and checking the extract alone; a first load into empty tables; a second
load (replacing the release, as ``ilp reference load-oews`` does); then a few queries the
career pages make. Nothing here is asserted: it prints.

WARNING: the database named by ILP_DATABASE_URL is emptied first; point it at a scratch one.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from benchmarks.common import fresh_schema
from lti_tool import create_app
from lti_tool.careers import oews
from lti_tool.careers.oews_extract import read_extract


def _timed(label: str, action: object) -> object:
    started = time.perf_counter()
    result = action() if callable(action) else None
    print(f"{label:<46} {time.perf_counter() - started:8.3f} s")
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("ILP_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        app = create_app(
            {
                "ILP_ENV": "testing",
                "ILP_DATABASE_URL": url,
                "ILP_SECRET_KEY": "benchmark-secret-key-that-is-long-enough-0123",
            }
        )
        fresh_schema(app)
        raw = resources.files("lti_tool.careers").joinpath("data", oews.SHIPPED_EXTRACT)
        size = len(raw.read_bytes())
        print(f"{url.split(':', 1)[0]}; extract {size:,} bytes")
        _timed("read and check the extract (no database)", lambda: read_extract(raw.read_bytes()))
        with app.app_context():
            first = oews.ensure_loaded()
            assert first is not None
            print(f"{'first load (ensure_loaded, empty tables)':<46} {first.seconds:8.3f} s")
            print("  " + ", ".join(f"{n} {what}" for what, n in first.counts.items()))
            again = oews.load_shipped()
            print(f"{'reload (replace the release)':<46} {again.seconds:8.3f} s")
            _timed("ensure_loaded when loaded", oews.ensure_loaded)
            _timed(
                "occupation profile (nation, state, metro)",
                lambda: oews.occupation_profile("15-1252", state_code="36", metro_code="0035620"),
            )
            _timed(
                "top 50 by employment in a metro",
                lambda: oews.ranked_occupations("0035620"),
            )
            _timed(
                "top 50 by location quotient, 3 major groups",
                lambda: oews.ranked_occupations(
                    "0600000",
                    by="location_quotient",
                    major_groups=["15-0000", "29-0000", "47-0000"],
                ),
            )
            _timed("states", oews.states)
            _timed("metros of a state", lambda: oews.metros("34"))
            _timed("metros by state", oews.metros_by_state)


if __name__ == "__main__":
    main()
