"""The students' grade-level import in real Chromium inside the LMS iframe: the admin uploads
a district CSV, sees the skipped rows by line, and the page passes axe at desktop width and
at 375 px."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Course, Enrollment, Person, Role
from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ["ILP_SCREENSHOTS"]) if os.environ.get("ILP_SCREENSHOTS") else None


def _shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let the frame lay out again after a viewport change
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _known(stack: DemoStack, admin_sub: str, student: Any) -> None:
    """The student as a course roster would have made them known."""
    with stack.tool_app.app_context():
        tenant_id = db.session.execute(
            select(Person.tenant_id).where(Person.sub == admin_sub)
        ).scalar_one()
        if db.session.execute(select(Person.id).where(Person.sub == student.sub)).first() is None:
            person = Person(
                tenant_id=tenant_id, sub=student.sub, name=student.name, sis_id=student.sis_id
            )
            course = Course(tenant_id=tenant_id, context_id="roster-course", title="Biology 1")
            db.session.add_all([person, course])
            db.session.flush()
            db.session.add(
                Enrollment(
                    course_id=course.id, person_id=person.id, role=Role.STUDENT, source="nrps"
                )
            )
            db.session.commit()


def test_admin_imports_grade_levels_in_the_lms_frame(demo_stack: DemoStack, tmp_path: Path) -> None:
    district = get_state(demo_stack.sandbox_app).district
    admin = district.users_of_kind("admin")[0]
    student = district.users_of_kind("student")[0]
    csv_text = f"sis_id,grade_level,graduation_year\n{student.sis_id},10,2029\nS999999,9,2030\n"
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        frame = open_as(page, demo_stack, admin.name)
        _known(demo_stack, admin.sub, student)
        frame.get_by_role("link", name="Students' grade levels", exact=False).click()
        frame.get_by_role("heading", level=1, name="Students' grade levels").wait_for(timeout=20000)
        frame.locator("#students-file").set_input_files(
            {"name": "students.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
        )
        frame.get_by_role("button", name="Import").click()
        frame.get_by_role("heading", name="“students.csv” was imported").wait_for(timeout=20000)
        status = frame.get_by_role("status").inner_text()
        assert "2 rows: 1 student updated" in " ".join(status.split())
        assert frame.get_by_role("cell", name="Not matched: no known student has this sis_id")
        failures.update({f"wide: {v['id']}": v for v in axe_violations(frame)})
        _shot(page, "students-import-1280", tmp_path)
        page.set_viewport_size({"width": 375, "height": 800})
        _shot(page, "students-import-375", tmp_path)
        width = frame.evaluate("document.documentElement.scrollWidth")
        assert width <= 375 + 1, width
        failures.update({f"narrow: {v['id']}": v for v in axe_violations(frame)})
    assert not failures, failures
