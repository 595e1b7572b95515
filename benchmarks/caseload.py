"""Time the counselor's caseload page at district scale and count its SQL statements.

    python benchmarks/caseload.py
    python benchmarks/caseload.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python benchmarks/caseload.py --no-pg

Builds a tenant of 500 students and one of 5,000 (grades 9-12, each with a plan of three
clusters, three goals of two milestones, this school year's snapshot for most of them, and
a counselor whose caseload rules are the four grade levels), then requests
``GET /plans/caseload`` through the app as that counselor (policy, audit, template and all)
with filters and a sort on, and prints the median time and SQL statements per request for
each size and database, and the ratio 5,000 / 500. The statement count must be the same
at both sizes; the target is under 200 ms at 5,000.

It runs on a scratch SQLite file, then on the PostgreSQL database ``--pg-url`` names.
WARNING: that database is emptied first; point it at a scratch one (the default is the
database ``test`` on the local server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, text

from benchmarks.common import fresh_schema
from lti_tool import create_app, session_records
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import (
    CaseloadRule,
    CaseloadRuleKind,
    GrantRole,
    Person,
    Platform,
    Role,
    RoleGrant,
    SessionMode,
    Tenant,
)
from lti_tool.plans import reading, reference
from lti_tool.plans.models import (
    Goal,
    GoalCategory,
    GoalStatus,
    Milestone,
    Plan,
    PlanSnapshot,
    ReviewStatus,
)

RUNS = 15
SIZES = (500, 5000)
#: The page requests timed: filters and a sort on, and a plain sorted page further on.
REQUESTS: dict[str, dict[str, str]] = {
    "grade 10, some milestones done, by last activity": {
        "grade": "10",
        "milestones": "some",
        "sort": "activity",
        "dir": "desc",
    },
    "everyone, by plan status, page 3": {"sort": "status", "page": "3"},
    "search 'student 1', by goals": {"q": "student 1", "sort": "goals", "dir": "desc"},
}


def _as_url(client: Any, args: dict[str, str]) -> dict[str, str]:
    """The page's query string for ``args``: a search (``q``) is posted, as the page's form
    does, and comes back as an opaque token (the text never goes into a URL)."""
    if "q" not in args:
        return args
    page = client.get("/plans/caseload").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    answer = client.post("/plans/caseload/search", data={**args, "csrf": token.group(1)})
    assert answer.status_code == 302, answer.status_code
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return {key: values[0] for key, values in query.items()} | {
        k: v for k, v in args.items() if k in ("page",)
    }


def _build(n: int) -> tuple[int, int]:
    """A tenant of ``n`` students and a counselor of grades 9-12; returns (tenant, counselor)."""
    district = Tenant(name=f"Bench {n}")
    db.session.add(district)
    db.session.flush()
    tenant = district.id
    db.session.add(
        Platform(
            tenant_id=tenant,
            name=f"Bench {n}",
            issuer=f"https://bench-{n}.invalid",
            client_id="bench",
            auth_login_url="https://bench.invalid/auth",
            auth_token_url="https://bench.invalid/token",  # noqa: S106 - a URL, not a password
            key_set_url="https://bench.invalid/jwks",
            settings={},
        )
    )
    counselor = Person(tenant_id=tenant, sub=f"counselor-{n}", name="Casey Counselor")
    other = Person(tenant_id=tenant, sub=f"other-{n}", name="Other Counselor")
    db.session.add_all([counselor, other])
    db.session.flush()
    grants = [
        RoleGrant(tenant_id=tenant, role=GrantRole.COUNSELOR, person_id=p.id)
        for p in (counselor, other)
    ]
    db.session.add_all(grants)
    db.session.flush()
    db.session.add_all(
        CaseloadRule(
            tenant_id=tenant, grant_id=grants[0].id, kind=CaseloadRuleKind.GRADE, grade_level=g
        )
        for g in (9, 10, 11, 12)
    )
    db.session.add(
        CaseloadRule(
            tenant_id=tenant,
            grant_id=grants[1].id,
            kind=CaseloadRuleKind.ALPHA,
            alpha_from="A",
            alpha_to="F",
        )
    )
    clusters = [c.code for c in reference.framework("2024").clusters]
    now = utcnow()
    year = reading.school_year()
    families = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Garcia", "Kim", "Nguyen", "Okafor"]
    person_ids = (
        db.session.execute(
            insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [
                {
                    "tenant_id": tenant,
                    "sub": f"s-{n}-{i}",
                    "name": f"Student {i} {families[i % len(families)]}",
                    "family_name": families[i % len(families)],
                    "email": f"s{i}@bench.invalid",
                    "sis_id": f"SIS{i:05d}",
                    "lms_user_id": f"{100000 + i}",
                    "grade_level": 9 + i % 4,
                    "graduation_year": 2030 - i % 4,
                    "school": "North High" if i % 2 else "South High",
                    "student_info_source": "csv",
                }
                for i in range(n)
            ],
        )
        .scalars()
        .all()
    )
    plan_ids = (
        db.session.execute(
            insert(Plan).returning(Plan.id, sort_by_parameter_order=True),
            [
                {
                    "tenant_id": tenant,
                    "person_id": pid,
                    "cluster_codes": [clusters[(i + k) % len(clusters)] for k in range(3)],
                    "created_at": now - dt.timedelta(days=200),
                    "updated_at": now - dt.timedelta(days=i % 180),
                }
                for i, pid in enumerate(person_ids)
            ],
        )
        .scalars()
        .all()
    )
    goal_ids = (
        db.session.execute(
            insert(Goal).returning(Goal.id, sort_by_parameter_order=True),
            [
                {
                    "plan_id": plan_id,
                    "category": GoalCategory.CAREER,
                    "statement": f"Goal {g}",
                    "status": GoalStatus.ACHIEVED if (i + g) % 3 == 0 else GoalStatus.IN_PROGRESS,
                }
                for i, plan_id in enumerate(plan_ids)
                for g in range(3)
            ],
        )
        .scalars()
        .all()
    )
    db.session.execute(
        insert(Milestone),
        [
            {"goal_id": goal_id, "title": f"Step {m}", "done": (j + m) % 3 == 0}
            for j, goal_id in enumerate(goal_ids)
            for m in range(2)
        ],
    )
    statuses = list(ReviewStatus)
    db.session.execute(
        insert(PlanSnapshot),
        [
            {
                "plan_id": plan_id,
                "school_year": year,
                "data": {},
                "status": statuses[i % len(statuses)],
            }
            for i, plan_id in enumerate(plan_ids)
            if i % 5
        ],
    )
    db.session.commit()
    return tenant, counselor.id


def _run(url: str) -> dict[int, dict[str, tuple[float, int]]]:
    app = create_app(
        {
            "ILP_ENV": "testing",
            "ILP_DATABASE_URL": url,
            "ILP_SECRET_KEY": "benchmark-secret-key-0123456789-abcdefghij",
        }
    )
    fresh_schema(app)
    statements: list[str] = []
    with app.app_context():
        built = {n: _build(n) for n in SIZES}
        dialect = db.engine.dialect.name
        # Fresh statistics, as autovacuum keeps them on a live server (and ``ANALYZE`` gives
        # SQLite's planner the same help).
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    print(f"\nLodestar caseload benchmark ({dialect}), {RUNS} requests each")
    results: dict[int, dict[str, tuple[float, int]]] = {}
    for n, (tenant, counselor) in built.items():
        # A signed-in counselor: a session as a launch opens it, carried by the cookie.
        with app.app_context():
            record, secret = session_records.open_session(
                tenant_id=tenant,
                person_id=counselor,
                course_id=None,
                roles=[Role.COUNSELOR],
                launch_id=None,
                mode=SessionMode.COOKIE,
            )
            handle = record.handle
        client = app.test_client()
        with client.session_transaction() as cookie:
            cookie["sid"], cookie["sk"] = handle, secret
        results[n] = {}
        requests = {label: _as_url(client, args) for label, args in REQUESTS.items()}
        for args in requests.values():  # warm-up: templates compiled, statements cached
            assert client.get("/plans/caseload", query_string=args).status_code == 200
        for label, args in requests.items():
            timings, counts = [], []
            response: Any = None
            for _ in range(RUNS):
                statements.clear()
                start = time.perf_counter()
                response = client.get("/plans/caseload", query_string=args)
                timings.append(time.perf_counter() - start)
                counts.append(len(statements))
                assert response.status_code == 200, response.status_code
            shown = response.get_data(as_text=True).count(": open plan")
            median = statistics.median(timings) * 1000
            results[n][label] = (median, counts[-1])
            print(
                f"  {n:5d} students, {label}: median {median:6.1f} ms, "
                f"{counts[-1]} SQL statements, {shown} rows shown"
            )
    for label in REQUESTS:
        (small, small_n), (big, big_n) = results[SIZES[0]][label], results[SIZES[1]][label]
        print(
            f"  ratio {SIZES[1]}/{SIZES[0]}, {label}: time x{big / small:.2f}, "
            f"statements {small_n} -> {big_n}{'' if small_n == big_n else '  (NOT CONSTANT)'}"
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="a scratch PostgreSQL database (emptied first!)",
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lodestar-caseload-"))
    _run(f"sqlite:///{workdir / 'caseload.sqlite'}")
    if not options.no_pg:
        _run(options.pg_url)


if __name__ == "__main__":
    main()
