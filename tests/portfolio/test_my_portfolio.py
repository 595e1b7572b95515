"""A student's portfolio: link a URL, a file or own graded work to a goal; edit; download."""

from __future__ import annotations

import hashlib
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Enrollment, EnrollmentStatus
from lti_tool.portfolio.models import Evidence, EvidenceKind, StoredFile
from tests.portfolio.conftest import ALG, BIO, IED, Portfolio, text_of

TEACHER = "sbx-user-0001"  # Biology 1
IED_TEACHER = "sbx-user-0003"
PARENT = "sbx-user-0005"
CHILD = "sbx-user-0007"  # the parent's child: Biology 1 and Algebra 2, not IED
OTHER = "sbx-user-0009"  # another student of Biology 1
REFLECTION = "This shows I can plan an experiment and explain what I found."
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def _count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        return int(
            db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _evidence(app: Flask) -> list[Evidence]:
    with app.app_context():
        rows = list(db.session.execute(select(Evidence).order_by(Evidence.id)).scalars())
        db.session.expunge_all()
        return rows


def _link(pf: Portfolio, token: str, **data: Any) -> Any:
    """POST the "link work" form as multipart, encoded in memory (the test client would
    spool a big body to a temporary file it never closes)."""
    if "file" in data:
        stream, filename = data.pop("file")
        data["file"] = FileStorage(
            stream=stream, filename=filename, content_type="application/octet-stream"
        )
    boundary, body = encode_multipart({**pf.lti.client.form_fields(token), **data})
    return pf.lti.client.browser(token).post(
        "/portfolio/me/link", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.fixture
def student(pf: Portfolio) -> tuple[str, list[int]]:
    """The child has launched into Biology 1 and has two goals; returns (token, goal ids)."""
    token = pf.launch(CHILD, BIO)
    return token, pf.add_goals(CHILD, "Become a veterinarian", "Earn an A in Biology")


def test_portfolio_page_lists_goals_and_link_form(
    pf: Portfolio, app: Flask, student: tuple[str, list[int]]
) -> None:
    token, _ = student
    page = pf.lti.client.get("/portfolio/me", query_string={"lt": token})
    assert page.status_code == 200
    html = text_of(page)
    assert "<h1>My portfolio</h1>" in html and "Become a veterinarian" in html
    assert "Link work to a goal" in html and 'enctype="multipart/form-data"' in html
    assert html.count("<h1") == 1
    assert _count(app, AuditEvent, AuditEvent.action == "portfolio.view") == 1


def test_student_links_a_url(pf: Portfolio, app: Flask, student: tuple[str, list[int]]) -> None:
    token, goals = student
    done = _link(
        pf,
        token,
        source="url",
        url="https://example.org/my-science-fair",
        title="Science fair poster",
        goal=str(goals[0]),
        reflection=REFLECTION,
    )
    assert done.status_code == 302
    page = text_of(pf.lti.client.get(done.headers["Location"]))
    assert "Science fair poster" in page and REFLECTION in page
    (evidence,) = _evidence(app)
    assert evidence.kind == EvidenceKind.URL and evidence.goal_id == goals[0]
    assert evidence.snapshot_url == "https://example.org/my-science-fair"
    assert evidence.attached_as == "student" and evidence.attached_by == pf.person_id(CHILD)
    assert _count(app, AuditEvent, AuditEvent.action == "evidence.create") == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"source": "url", "url": "javascript:alert(1)"}, "starting with https://"),
        ({"source": "url", "url": "ftp://example.org/file"}, "starting with https://"),
        ({"source": "url", "url": "https://"}, "starting with https://"),
        ({"source": "url", "url": ""}, "Enter the web address"),
        ({"source": "url", "url": "https://example.org", "reflection": "Too short."}, "20 to 5000"),
        ({"source": "url", "url": "https://example.org", "reflection": "x" * 5001}, "20 to 5000"),
        ({"source": "teleport", "url": "https://example.org"}, "Choose what you are linking"),
        (
            {"source": "url", "url": "https://example.org", "goal": "999999"},
            "Choose one of your goals",
        ),
    ],
)
def test_bad_links_are_refused_and_nothing_is_saved(
    pf: Portfolio, app: Flask, student: tuple[str, list[int]], data: dict[str, str], message: str
) -> None:
    token, _ = student
    response = _link(pf, token, **{"reflection": REFLECTION, "goal": "", **data})
    assert response.status_code == 400
    assert message in text_of(response)
    assert _count(app, Evidence) == 0


def test_another_students_goal_is_refused(
    pf: Portfolio, app: Flask, student: tuple[str, list[int]]
) -> None:
    token, _ = student
    pf.launch(OTHER, BIO)
    foreign = pf.add_goals(OTHER, "Someone else's goal")[0]
    response = _link(
        pf, token, source="url", url="https://example.org", goal=str(foreign), reflection=REFLECTION
    )
    assert response.status_code == 400
    assert _count(app, Evidence) == 0


def test_student_uploads_a_file_and_the_right_people_can_download_it(
    pf: Portfolio, app: Flask, student: tuple[str, list[int]]
) -> None:
    token, goals = student
    done = _link(
        pf,
        token,
        source="file",
        goal=str(goals[1]),
        reflection=REFLECTION,
        file=(BytesIO(PDF), "Lab report.pdf"),
    )
    assert done.status_code == 302, text_of(done)
    (evidence,) = _evidence(app)
    digest = hashlib.sha256(PDF).hexdigest()
    assert evidence.kind == EvidenceKind.FILE and evidence.snapshot_digest == digest
    assert evidence.snapshot_title == "Lab report.pdf"
    with app.app_context():
        stored = db.session.get(StoredFile, evidence.file_id)
        assert stored is not None and stored.sha256 == digest and stored.content == PDF
        assert stored.size == len(PDF) and stored.content_type == "application/pdf"
        assert stored.owner_id == pf.person_id(CHILD)
    page = text_of(pf.lti.client.get("/portfolio/me", query_string={"lt": token}))
    assert f"/portfolio/files/{evidence.file_id}" in page and digest in page

    url = f"/portfolio/files/{evidence.file_id}"
    own = pf.lti.client.get(url, query_string={"lt": token})
    assert own.status_code == 200 and own.data == PDF
    assert own.headers["Content-Type"] == "application/pdf"
    assert own.headers["Content-Disposition"].startswith("attachment")
    assert "Lab report.pdf" in own.headers["Content-Disposition"]
    assert own.headers["X-Content-Type-Options"] == "nosniff"

    teacher = pf.launch(TEACHER, BIO)
    assert pf.lti.client.get(url, query_string={"lt": teacher}).status_code == 200
    parent = pf.launch(PARENT, BIO)
    assert pf.lti.client.get(url, query_string={"lt": parent}).status_code == 200
    unrelated = pf.launch(IED_TEACHER, IED)
    assert pf.lti.client.get(url, query_string={"lt": unrelated}).status_code == 403
    other = pf.launch(OTHER, BIO)
    assert pf.lti.client.get(url, query_string={"lt": other}).status_code == 403
    assert (
        pf.lti.client.get("/portfolio/files/999999", query_string={"lt": token}).status_code == 404
    )
    assert _count(app, AuditEvent, AuditEvent.action == "file.download") == 3

    # Their teacher sees the portfolio read-only; the unrelated teacher does not.
    read = pf.lti.client.get(
        f"/portfolio/students/{pf.person_id(CHILD)}", query_string={"lt": teacher}
    )
    assert read.status_code == 200 and "Lab report.pdf" in text_of(read)
    assert "Remove" not in text_of(read)
    assert (
        pf.lti.client.get(
            f"/portfolio/students/{pf.person_id(CHILD)}", query_string={"lt": unrelated}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "larger than 5 MB"),
        ("page.html", b"<html><script>alert(1)</script></html>", "cannot be added"),
        ("tool.exe", b"MZ\x90\x00", "cannot be added"),
        ("noextension", b"hello there", "cannot be added"),
        ("fake.pdf", b"<html>not a pdf</html>", "does not look like a PDF"),
        ("binary.txt", b"abc\x00def", "does not look like a text file"),
        ("empty.png", b"", "empty"),
    ],
)
def test_refused_files_save_nothing(
    pf: Portfolio,
    app: Flask,
    student: tuple[str, list[int]],
    filename: str,
    content: bytes,
    message: str,
) -> None:
    token, goals = student
    response = _link(
        pf,
        token,
        source="file",
        goal=str(goals[0]),
        reflection=REFLECTION,
        file=(BytesIO(content), filename),
    )
    assert response.status_code == (413 if filename == "big.pdf" else 400)
    assert message in text_of(response)
    assert _count(app, Evidence) == 0 and _count(app, StoredFile) == 0


def test_oversize_upload_comes_back_to_the_same_form_with_everything_typed(
    pf: Portfolio, app: Flask, student: tuple[str, list[int]]
) -> None:
    """A 10 MB file (over the 5 MB file limit, under the upload route's request cap): the
    same portfolio form comes back, 413, with the title, the reflection and the goal choice
    kept and the message next to the file field; nothing is saved."""
    token, goals = student
    response = _link(
        pf,
        token,
        source="file",
        title="My science fair poster",
        goal=str(goals[1]),
        reflection=REFLECTION,
        file=(BytesIO(b"%PDF-" + b"0" * (10 * 1024 * 1024)), "poster.pdf"),
    )
    assert response.status_code == 413
    page = text_of(response)
    assert "<h1>My portfolio</h1>" in page and page.count("<h1") == 1
    assert "larger than 5 MB" in page and "Everything else you typed is still here" in page
    assert 'value="My science fair poster"' in page
    assert f">{REFLECTION}</textarea>" in page
    assert f'<option value="{goals[1]}" selected>' in page
    assert 'id="source-file" name="source" value="file" checked' in page
    assert "This file is larger than 5 MB. Choose a smaller one." in page
    assert _count(app, Evidence) == 0
    assert _count(app, StoredFile) == 0


def test_body_over_the_request_cap_still_shows_the_portfolio_form(
    pf: Portfolio, app: Flask, student: tuple[str, list[int]]
) -> None:
    """Over even the upload route's request cap the body is never read (413), but the
    student gets their portfolio form with the message, not a bare error page."""
    token, goals = student
    response = _link(
        pf,
        token,
        source="file",
        goal=str(goals[0]),
        reflection=REFLECTION,
        file=(BytesIO(b"%PDF-" + b"0" * (65 * 1024 * 1024)), "video.pdf"),
    )
    assert response.status_code == 413
    page = text_of(response)
    assert "<h1>My portfolio</h1>" in page and page.count("<h1") == 1
    assert "much larger than 5 MB" in page
    assert 'id="reflection"' in page
    assert _count(app, Evidence) == 0


def test_missing_file_is_refused(pf: Portfolio, app: Flask, student: tuple[str, list[int]]) -> None:
    token, _ = student
    response = _link(pf, token, source="file", goal="", reflection=REFLECTION)
    assert response.status_code == 400 and "Choose a file" in text_of(response)
    assert _count(app, Evidence) == 0


def test_student_links_own_graded_work_but_not_someone_elses(
    pf: Portfolio, app: Flask, student: tuple[str, list[int]]
) -> None:
    token, goals = student
    pf.launch(TEACHER, BIO)
    pf.sync(BIO)
    assignment_id, title, maximum = pf.assignment(BIO, "3")
    mine = pf.grade_id(assignment_id, CHILD)
    theirs = pf.grade_id(assignment_id, OTHER)
    page = text_of(pf.lti.client.get("/portfolio/me", query_string={"lt": token}))
    assert title in page and f'value="{mine}"' in page and f'value="{theirs}"' not in page

    forged = _link(
        pf, token, source="work", work=str(theirs), goal=str(goals[0]), reflection=REFLECTION
    )
    assert forged.status_code in {400, 403, 404}
    assert _count(app, Evidence) == 0

    done = _link(
        pf, token, source="work", work=str(mine), goal=str(goals[0]), reflection=REFLECTION
    )
    assert done.status_code == 302
    (evidence,) = _evidence(app)
    score = pf.lti.state.district.results["3"][CHILD].result_score
    assert evidence.kind == EvidenceKind.SUBMISSION and evidence.assignment_id == assignment_id
    assert evidence.snapshot_title == title and evidence.snapshot_score == score
    assert evidence.snapshot_score_maximum == maximum
    assert evidence.snapshot_extra["course_title"] == pf.course(BIO).title
    assert evidence.snapshot_extra["attachments"] == []

    # The same work to the same goal again: the reflection is refreshed, not duplicated.
    better = REFLECTION + " I redid the analysis after feedback."
    assert (
        _link(
            pf, token, source="work", work=str(mine), goal=str(goals[0]), reflection=better
        ).status_code
        == 302
    )
    (evidence,) = _evidence(app)
    assert evidence.reflection == better

    # Once the enrollment is inactive, the work of that course can no longer be linked.
    with app.app_context():
        db.session.execute(
            update(Enrollment)
            .where(
                Enrollment.person_id == pf.person_id(CHILD),
                Enrollment.course_id == pf.course_id(BIO),
            )
            .values(status=EnrollmentStatus.INACTIVE)
        )
        db.session.commit()
    again = _link(
        pf, token, source="work", work=str(mine), goal=str(goals[1]), reflection=REFLECTION
    )
    assert again.status_code == 400
    assert _count(app, Evidence) == 1


def test_edit_move_and_remove(pf: Portfolio, app: Flask, student: tuple[str, list[int]]) -> None:
    token, goals = student
    _link(
        pf,
        token,
        source="url",
        url="https://example.org/a",
        goal=str(goals[0]),
        reflection=REFLECTION,
    )
    _link(
        pf,
        token,
        source="file",
        goal="",
        reflection=REFLECTION,
        file=(BytesIO(b"My notes about the field trip."), "notes.txt"),
    )
    url_ev, file_ev = _evidence(app)
    assert file_ev.goal_id is None
    assert "Not linked to a goal yet" in text_of(
        pf.lti.client.get("/portfolio/me", query_string={"lt": token})
    )

    new_text = "I now see this project as the start of my veterinary plan."
    moved = pf.lti.client.post(
        f"/portfolio/evidence/{url_ev.id}",
        data={"lt": token, "goal": str(goals[1]), "reflection": new_text},
    )
    assert moved.status_code == 302
    (after, _) = _evidence(app)
    assert after.goal_id == goals[1] and after.reflection == new_text

    bad = pf.lti.client.post(
        f"/portfolio/evidence/{url_ev.id}",
        data={"lt": token, "goal": str(goals[0]), "reflection": "short"},
    )
    assert bad.status_code == 400 and "20 to 5000" in text_of(bad)
    assert _evidence(app)[0].goal_id == goals[1]

    other = pf.launch(OTHER, BIO)
    assert (
        pf.lti.client.post(
            f"/portfolio/evidence/{url_ev.id}",
            data={"lt": other, "goal": "", "reflection": new_text},
        ).status_code
        == 403
    )
    assert (
        pf.lti.client.post(
            f"/portfolio/evidence/{url_ev.id}/delete", data={"lt": other}
        ).status_code
        == 403
    )
    teacher = pf.launch(TEACHER, BIO)
    assert (
        pf.lti.client.post(
            f"/portfolio/evidence/{url_ev.id}/delete", data={"lt": teacher}
        ).status_code
        == 403
    )
    assert len(_evidence(app)) == 2

    removed = pf.lti.client.post(f"/portfolio/evidence/{file_ev.id}/delete", data={"lt": token})
    assert removed.status_code == 302
    assert [e.id for e in _evidence(app)] == [url_ev.id]
    # The file stays until the purge (the removal can be undone); see test_soft_delete.py.
    assert _count(app, StoredFile) == 1
    with app.app_context():
        actions = list(
            db.session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "evidence")
                .order_by(AuditEvent.id)
            ).scalars()
        )
    assert actions == ["evidence.create", "evidence.create", "evidence.update", "evidence.delete"]


def test_portfolio_page_queries_do_not_grow_with_evidence(
    pf: Portfolio, app: Flask, student: tuple[str, list[int]]
) -> None:
    token, goals = student

    def queries() -> int:
        count = 0

        def counter(*_args: Any) -> None:
            nonlocal count
            count += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            assert pf.lti.client.get("/portfolio/me", query_string={"lt": token}).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count

    _link(
        pf,
        token,
        source="url",
        url="https://example.org/1",
        goal=str(goals[0]),
        reflection=REFLECTION,
    )
    one = queries()
    for n in range(2, 6):
        _link(
            pf,
            token,
            source="url",
            url=f"https://example.org/{n}",
            goal=str(goals[n % 2]),
            reflection=REFLECTION,
        )
    _link(
        pf, token, source="file", goal="", reflection=REFLECTION, file=(BytesIO(PDF), "report.pdf")
    )
    assert queries() == one


def test_pages_need_a_launch(pf: Portfolio) -> None:
    assert pf.lti.client.get("/portfolio/me").status_code == 401
    assert pf.lti.client.post("/portfolio/me/link", data={"source": "url"}).status_code == 401
    assert pf.lti.client.get("/portfolio/files/1").status_code == 401


def test_alg_only_student_is_not_readable_by_bio_teacher(pf: Portfolio) -> None:
    outsider = next(u for u in pf.students(ALG) if u not in pf.students(BIO))
    pf.launch(outsider.sub, ALG)
    teacher = pf.launch(TEACHER, BIO)
    assert (
        pf.lti.client.get(
            f"/portfolio/students/{pf.person_id(outsider.sub)}", query_string={"lt": teacher}
        ).status_code
        == 403
    )
