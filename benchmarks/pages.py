"""Time the class view (students x clusters, per-assignment relevance) and count its queries.

    python benchmarks/pages.py
    ILP_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python benchmarks/pages.py

Builds a class of N students, each with a plan (3 clusters) and 10 goals, 50 tagged
assignments with a grade per student and some evidence, then requests
``GET /courses/<id>/plans`` as the teacher through the app (policy, audit, template and all)
and prints the median time and the number of SQL statements, for N = 20, 40 and 80. The
statement count must not grow with N.

WARNING: the database named by ILP_DATABASE_URL is emptied first; point it at a scratch one.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from benchmarks.common import fresh_schema
from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment, Grade
from lti_tool.launch.session import Actor, issue_token
from lti_tool.models import Course, Enrollment, Person, Platform, Role
from lti_tool.plans import reference
from lti_tool.plans.models import Goal, GoalCategory, Plan
from lti_tool.portfolio.models import Evidence, EvidenceKind
from lti_tool.relevance.models import AssignmentTag, CourseTag

GOALS = 10
ASSIGNMENTS = 50
RUNS = 15


def _build_class(platform: Platform, n_students: int, tag: str) -> tuple[int, int]:
    """A course with a teacher and ``n_students`` planned students; returns (course, teacher)."""
    clusters = [c.code for c in reference.framework("2024").clusters]
    course = Course(tenant_id=platform.id, context_id=f"bench-{tag}", title=f"Bench {tag}")
    teacher = Person(tenant_id=platform.id, sub=f"teacher-{tag}", name="Teacher")
    db.session.add_all([course, teacher])
    db.session.flush()
    db.session.add(Enrollment(course_id=course.id, person_id=teacher.id, role=Role.TEACHER))
    db.session.add_all(
        CourseTag(course_id=course.id, kind="cluster", value=c) for c in clusters[:3]
    )
    assignments = [
        Assignment(
            course_id=course.id,
            source="ags",
            external_id=f"{tag}-{i}",
            title=f"Assignment {i}",
            score_maximum=10.0,
        )
        for i in range(ASSIGNMENTS)
    ]
    db.session.add_all(assignments)
    db.session.flush()
    db.session.add_all(
        AssignmentTag(assignment_id=a.id, kind="cluster", value=clusters[i % len(clusters)])
        for i, a in enumerate(assignments)
    )
    for s in range(n_students):
        student = Person(tenant_id=platform.id, sub=f"student-{tag}-{s}", name=f"Student {s:03d}")
        db.session.add(student)
        db.session.flush()
        db.session.add(Enrollment(course_id=course.id, person_id=student.id, role=Role.STUDENT))
        plan = Plan(
            tenant_id=platform.id,
            person_id=student.id,
            cluster_codes=[clusters[(s + k) % len(clusters)] for k in range(3)],
        )
        db.session.add(plan)
        db.session.flush()
        goals = [
            Goal(
                plan_id=plan.id,
                category=GoalCategory.CAREER,
                statement=f"Goal {g}",
                cluster_code=clusters[(s + g) % len(clusters)],
            )
            for g in range(GOALS)
        ]
        db.session.add_all(goals)
        db.session.add_all(
            Grade(assignment_id=a.id, person_id=student.id, score=7.0, score_maximum=10.0)
            for a in assignments
        )
        db.session.flush()
        db.session.add_all(
            Evidence(
                tenant_id=platform.id,
                plan_id=plan.id,
                goal_id=goals[i].id,
                student_id=student.id,
                kind=EvidenceKind.ASSIGNMENT,
                course_id=course.id,
                assignment_id=assignments[i].id,
                attached_as="teacher",
                snapshot_title=assignments[i].title,
            )
            for i in range(3)
        )
    db.session.commit()
    return course.id, teacher.id


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="lodestar-pages-"))
    url = os.environ.get("ILP_DATABASE_URL") or f"sqlite:///{workdir / 'pages.sqlite'}"
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
        platform = Platform(
            name="Bench",
            issuer="https://bench.invalid",
            client_id="bench",
            auth_login_url="https://bench.invalid/auth",
            auth_token_url="https://bench.invalid/token",  # noqa: S106 - a URL, not a password
            key_set_url="https://bench.invalid/jwks",
            settings={},
        )
        db.session.add(platform)
        db.session.commit()
        classes = {n: _build_class(platform, n, f"n{n}") for n in (20, 40, 80)}
        tenant = platform.id
        dialect = db.engine.dialect.name
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client = app.test_client()
    print(
        f"Lodestar class view benchmark ({dialect}); {GOALS} goals per student, "
        f"{ASSIGNMENTS} assignments, {RUNS} requests each"
    )
    for n, (course_id, teacher_id) in classes.items():
        with app.test_request_context():
            token = issue_token(
                Actor(
                    tenant_id=tenant,
                    person_id=teacher_id,
                    course_id=course_id,
                    roles=frozenset({Role.TEACHER}),
                )
            )
        timings, counts = [], []
        for _ in range(RUNS):
            statements.clear()
            start = time.perf_counter()
            response = client.get(f"/courses/{course_id}/plans", query_string={"lt": token})
            timings.append(time.perf_counter() - start)
            counts.append(len(statements))
            assert response.status_code == 200, response.status_code
        print(
            f"  {n:3d} students: median {statistics.median(timings) * 1000:7.1f} ms, "
            f"p90 {sorted(timings)[int(RUNS * 0.9)] * 1000:7.1f} ms, "
            f"{counts[-1]} SQL statements per request, page {len(response.data) // 1024} KiB"
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
