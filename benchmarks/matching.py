"""Measure career matchmaking for one student over the shipped BLS OEWS extract, and print it.

    python benchmarks/matching.py                 # SQLite in a temporary folder
    ILP_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python benchmarks/matching.py

Loads the shipped extract, then ranks every occupation for a student with an interest code,
two clusters, a pathway and a few skills (Lodestar's estimates; no O*NET release), and
prints the time per ranking (best and median of several runs) and the number of SQL
statements one ranking takes. Nothing here is asserted: it prints.

WARNING: the database named by ILP_DATABASE_URL is emptied first; point it at a scratch one.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from benchmarks.common import fresh_schema
from lti_tool import create_app
from lti_tool.careers import matching, oews
from lti_tool.extensions import db

RUNS = 20


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
        with app.app_context():
            loaded = oews.load_shipped()
            print(f"{url.split(':', 1)[0]}; loaded {loaded.counts} in {loaded.seconds:.2f} s")
            student = matching.Student(
                holland_code="ISR",
                framework_version="2024",
                cluster_codes=("2024.healthcare-human-services", "2024.digital-technology"),
                pathway_codes=("2024.digital-technology.software-solutions",),
                skills=("first aid", "programming", "teaching", "drawing"),
            )
            statements: list[str] = []

            def count(*args: Any) -> None:
                statements.append(args[2])

            event.listen(db.engine, "before_cursor_execute", count)
            first = matching.rank(student, tenant_id=None)
            event.remove(db.engine, "before_cursor_execute", count)
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                matching.rank(student, tenant_id=None)
                times.append(time.perf_counter() - started)
            print(
                f"ranked {first.considered} occupations, {len(first.matches)} matched; "
                f"{len(statements)} SQL statements per ranking"
            )
            print(
                f"per ranking over {RUNS} runs: best {min(times) * 1000:.1f} ms, "
                f"median {statistics.median(times) * 1000:.1f} ms"
            )
            for m in first.matches[:5]:
                print(f"  {m.score:.3f} {m.soc_code} {m.title}: {'; '.join(m.reasons)}")


if __name__ == "__main__":
    main()
