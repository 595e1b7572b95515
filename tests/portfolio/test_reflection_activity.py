"""The plan reflection activity as a real assignment: the teacher sets it up (title,
instructions, points, due date, completion or rubric), lands on its own page, reads and
scores every student's reflection; scores and comments reach the sandbox gradebook through
AGS; the student sees the feedback; errors keep what was typed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import ResourceLink
from lti_tool.portfolio.models import (
    Evidence,
    ReflectionReview,
    ReflectionScoring,
    ReflectionSetup,
)
from lti_tool.portfolio.reflection import GRADEBOOK_WAITING
from lti_tool.portfolio.reflection_reviews import SCORE_SENT
from tests.lti_driver import DEEP_LINK, token_of
from tests.portfolio.conftest import (
    IED,
    REFLECTION,
    SETTINGS,
    TEACHER,
    Placement,
    Portfolio,
    place,
    remove,
    text_of,
)

RUBRIC = {
    "title": "Where my design work is heading",
    "instructions": "Pick one project and say what it taught you about your plan.",
    "points": "20",
    "due": "2027-03-01T15:00",
    "scoring": "rubric",
    "level-name-0": "Thoughtful and specific",
    "level-points-0": "20",
    "level-name-1": "Clear",
    "level-points-1": "14",
    "level-name-2": "Getting there",
    "level-points-2": "8",
    "level-name-3": "Not yet",
    "level-points-3": "0",
}
COMMENT = "You tied the phone stand to your goal well. Next time name one skill you grew."


@pytest.fixture
def rubric(pf: Portfolio) -> Iterator[Placement]:
    """A rubric-scored activity worth 20 points, due 2027-03-01 15:00 at the school (Chicago)."""
    placement = place(pf, **RUBRIC)
    try:
        yield placement
    finally:
        remove(pf, placement)


def _teacher_page(pf: Portfolio, placement: Placement) -> tuple[str, str]:
    """The teacher launches the placed link; returns (activity page URL, token)."""
    response = pf.launch_link(TEACHER, IED, placement.link_id)
    location = response.headers["Location"]
    assert urlsplit(location).path.startswith(f"/portfolio/courses/{pf.course_id(IED)}/activity/")
    return urlsplit(location).path, token_of(response)


def _student_submits(pf: Portfolio, sub: str, placement: Placement, text: str = REFLECTION) -> Any:
    response = pf.launch_link(sub, IED, placement.link_id)
    location = urlsplit(response.headers["Location"])
    token = token_of(response)
    return pf.lti.client.post(
        location.path,
        query_string=location.query,
        data={"lt": token, "goal": "", "work": "", "reflection": text},
    ), (location, token)


def _score_path(page: str, app: Flask, sub: str) -> str:
    with app.app_context():
        from lti_tool.models import Person

        person = db.session.execute(select(Person.id).where(Person.sub == sub)).scalar_one()
    return f"{page}/students/{person}"


# -- setting it up ----------------------------------------------------------------------


def test_picker_settings_go_into_the_content_item(
    pf: Portfolio, app: Flask, rubric: Placement
) -> None:
    item = pf.lti.state.get_line_item(IED, rubric.item_id)
    assert item.label == RUBRIC["title"] and item.score_maximum == 20.0
    assert item.end_date_time == "2027-03-01T21:00:00+00:00"  # submission.endDateTime, in UTC
    link = pf.lti.state.district.resource_links[IED][rubric.link_id]
    assert link.title == RUBRIC["title"]
    setup_id = int(link.custom["activity_id"])
    assert item.resource_id == f"lodestar-reflection-{setup_id}"
    with app.app_context():
        setup = db.session.get(ReflectionSetup, setup_id)
        assert setup is not None and setup.resource_link_id is None  # bound at first launch
        assert setup.scoring == ReflectionScoring.RUBRIC
        assert [level["points"] for level in setup.rubric] == [20, 14, 8, 0]
        assert setup.instructions == RUBRIC["instructions"]


def test_picker_errors_keep_what_was_typed(pf: Portfolio, app: Flask) -> None:
    launch = pf.lti.launch(pf.user(TEACHER), pf.course(IED), message_type=DEEP_LINK)
    token = token_of(launch)
    bad = {
        **SETTINGS,
        "title": "",
        "instructions": "Keep this text please",
        "points": "lots",
        "due": "next tuesday",
        "scoring": "rubric",
        "level-name-0": "Only one level",
        "level-points-0": "5",
    }
    answer = pf.lti.client.post("/portfolio/activities", data={"lt": token, **bad})
    assert answer.status_code == 400
    html = text_of(answer)
    for message in (
        "Give the activity a title.",
        "Points must be a number",
        "Give the due date as a date and time",
        "A rubric needs 2 to 6 levels.",
    ):
        assert message in html
    assert "Keep this text please" in html and 'value="Only one level"' in html
    assert 'value="next tuesday"' in html  # kept as typed
    with app.app_context():
        assert db.session.execute(select(ReflectionSetup)).first() is None


# -- the teacher's page ---------------------------------------------------------------


def test_teacher_lands_on_the_activity_page_with_every_student(
    pf: Portfolio, app: Flask, rubric: Placement
) -> None:
    pf.launch(TEACHER, IED)
    pf.sync(IED)
    students = pf.students(IED)
    done, _ = _student_submits(pf, students[0].sub, rubric)
    assert done.status_code == 302
    assert GRADEBOOK_WAITING in text_of(pf.lti.client.get(done.headers["Location"]))
    page, token = _teacher_page(pf, rubric)
    html = text_of(pf.lti.client.get(page, query_string={"lt": token}))
    assert f"<h1>{RUBRIC['title']}</h1>" in html
    assert "20 points" in html and "Due Mar 1, 2027, 3:00 PM CST" in html
    assert "Scored by you with a rubric" in html
    assert f"1 of {len(students)} students have handed in a reflection." in html
    for student in students:
        assert student.name in html
    assert "Needs scoring" in html and "Not submitted yet" in html
    with app.app_context():
        setup = db.session.execute(select(ReflectionSetup)).scalar_one()
        link = db.session.get(ResourceLink, setup.resource_link_id)
        assert link is not None and link.resource_link_id == rubric.link_id


def test_teacher_changes_the_settings_and_errors_keep_the_form(
    pf: Portfolio, app: Flask, placed: Placement
) -> None:
    page, token = _teacher_page(pf, placed)
    bad = {**SETTINGS, "title": "Renamed", "points": "-3", "instructions": "New words"}
    response = pf.lti.client.post(page, data={"lt": token, **bad})
    assert response.status_code == 400
    html = text_of(response)
    assert "Points must be a number above 0" in html
    assert 'value="Renamed"' in html and "New words" in html
    good = {**SETTINGS, "title": "Renamed", "points": "5", "due": "2027-01-10"}
    saved = pf.lti.client.post(page, data={"lt": token, **good})
    assert saved.status_code == 302
    html = text_of(pf.lti.client.get(saved.headers["Location"]))
    assert "<h1>Renamed</h1>" in html and "5 points" in html
    assert "Due Jan 10, 2027, 11:59 PM CST" in html
    with app.app_context():
        setup = db.session.execute(select(ReflectionSetup)).scalar_one()
        assert setup.points == 5.0 and setup.title == "Renamed"
    # The gradebook column follows (AGS line item PUT).
    item = pf.lti.state.get_line_item(IED, placed.item_id)
    assert item.label == "Renamed" and item.score_maximum == 5.0
    assert item.end_date_time == "2027-01-11T05:59:00+00:00"
    assert item.resource_link_id == placed.link_id

    # The LMS refuses the update: the settings are saved and the teacher is told.
    pf.lti.state.inject_fault(f"/api/lti/courses/{IED}/line_items/{placed.item_id}", 500, count=10)
    later = pf.lti.client.post(page, data={"lt": token, **good, "title": "Renamed again"})
    assert later.status_code == 302
    html = text_of(pf.lti.client.get(later.headers["Location"]))
    assert "the gradebook column could not be updated right now" in html
    assert "<h1>Renamed again</h1>" in html
    assert pf.lti.state.get_line_item(IED, placed.item_id).label == "Renamed"


# -- scoring ----------------------------------------------------------------------------


def test_rubric_score_and_comment_reach_the_gradebook_and_the_student(
    pf: Portfolio, app: Flask, rubric: Placement
) -> None:
    student = pf.students(IED)[0]
    done, _ = _student_submits(pf, student.sub, rubric)
    assert done.status_code == 302
    (pending,) = pf.lti.state.scores(rubric.item_id)
    assert pending.user_id == student.sub and pending.score_given is None
    assert pending.activity_progress == "Submitted" and pending.grading_progress == "Pending"

    page, token = _teacher_page(pf, rubric)
    review_path = _score_path(page, app, student.sub)
    review = text_of(pf.lti.client.get(review_path, query_string={"lt": token}))
    assert REFLECTION in review and "Clear (14 of 20 points)" in review
    scored = pf.lti.client.post(
        review_path, data={"lt": token, "level": "Clear", "comment": COMMENT}
    )
    assert scored.status_code == 302
    assert SCORE_SENT in text_of(pf.lti.client.get(scored.headers["Location"]))

    final = pf.lti.state.scores(rubric.item_id)[-1]
    assert final.score_given == 14.0 and final.score_maximum == 20.0
    assert final.activity_progress == "Completed" and final.grading_progress == "FullyGraded"
    assert final.comment == COMMENT
    item = pf.lti.state.get_line_item(IED, rubric.item_id)
    (result,) = pf.lti.state.results(item, user_id=student.sub)
    assert result.result_score == 14.0 and result.comment == COMMENT
    gradebook = text_of(pf.lti.lms.get(f"/courses/{IED}/gradebook"))
    assert "14 / 20" in gradebook and COMMENT in gradebook

    again = pf.launch_link(student.sub, IED, rubric.link_id)  # the student comes back
    mine = text_of(pf.lti.client.get(again.headers["Location"]))
    assert "Your teacher's feedback" in mine and "Score: 14 of 20" in mine
    assert COMMENT in mine and "(Clear)" in mine

    page_html = text_of(pf.lti.client.get(page, query_string={"lt": token}))
    assert "Scored: Clear (14/20)" in page_html


def test_completion_gives_full_points_only_for_a_real_reflection(
    pf: Portfolio, app: Flask, placed: Placement
) -> None:
    student = pf.students(IED)[0]
    filler = "a" * 25
    refused, _ = _student_submits(pf, student.sub, placed, filler)
    assert refused.status_code == 400
    html = text_of(refused)
    assert "Write a real reflection" in html and filler in html  # what was typed stays
    repeated, _ = _student_submits(pf, student.sub, placed, "good " * 10)
    assert repeated.status_code == 400
    assert pf.lti.state.scores(placed.item_id) == []
    done, _ = _student_submits(pf, student.sub, placed)
    assert done.status_code == 302
    (score,) = pf.lti.state.scores(placed.item_id)
    assert score.score_given == 10.0 and score.grading_progress == "FullyGraded"

    # The teacher may still take the credit back, with a comment.
    page, token = _teacher_page(pf, placed)
    path = _score_path(page, app, student.sub)
    assert "Complete (automatic)" in text_of(pf.lti.client.get(page, query_string={"lt": token}))
    undo = pf.lti.client.post(
        path, data={"lt": token, "level": "incomplete", "comment": "Say more, please."}
    )
    assert undo.status_code == 302
    last = pf.lti.state.scores(placed.item_id)[-1]
    assert last.score_given == 0.0 and last.comment == "Say more, please."


@pytest.mark.parametrize("status", [500, 429])
def test_gradebook_failure_keeps_the_score_and_comment(
    pf: Portfolio, app: Flask, rubric: Placement, status: int
) -> None:
    student = pf.students(IED)[0]
    _student_submits(pf, student.sub, rubric)
    page, token = _teacher_page(pf, rubric)
    path = _score_path(page, app, student.sub)
    pf.lti.state.inject_fault(
        f"/api/lti/courses/{IED}/line_items/{rubric.item_id}/scores",
        status,
        count=10,
        retry_after=0 if status == 429 else None,
    )
    scored = pf.lti.client.post(path, data={"lt": token, "level": "Clear", "comment": COMMENT})
    assert scored.status_code == 302
    html = text_of(pf.lti.client.get(scored.headers["Location"]))
    assert "the gradebook could not be updated right now" in html
    assert f"answered {status}" in html
    assert COMMENT in html and "not in the gradebook yet" in html
    assert 'value="Clear" checked' in html
    with app.app_context():
        review = db.session.execute(select(ReflectionReview)).scalar_one()
        assert review.gradebook == "failed" and review.comment == COMMENT
    assert pf.lti.state.scores(rubric.item_id)[-1].grading_progress == "Pending"

    pf.lti.state.clear_faults()
    again = pf.lti.client.post(path, data={"lt": token, "level": "Clear", "comment": COMMENT})
    assert SCORE_SENT in text_of(pf.lti.client.get(again.headers["Location"]))
    assert pf.lti.state.scores(rubric.item_id)[-1].score_given == 14.0


def test_bad_scores_are_refused_and_keep_the_comment(
    pf: Portfolio, app: Flask, rubric: Placement
) -> None:
    students = pf.students(IED)
    _student_submits(pf, students[0].sub, rubric)
    page, token = _teacher_page(pf, rubric)
    path = _score_path(page, app, students[0].sub)
    for data in ({"level": "Perfect"}, {"level": ""}, {"level": "Clear", "comment": "x" * 2001}):
        response = pf.lti.client.post(path, data={"lt": token, "comment": COMMENT, **data})
        assert response.status_code == 400, data
        html = text_of(response)
        assert "The score was not saved" in html
        assert (data.get("comment") or COMMENT) in html
    # A student who has not handed anything in cannot be scored yet.
    pf.launch(students[1].sub, IED)
    other = _score_path(page, app, students[1].sub)
    response = pf.lti.client.post(other, data={"lt": token, "level": "Clear", "comment": COMMENT})
    assert response.status_code == 400
    assert "has not handed in a reflection yet" in text_of(response)
    with app.app_context():
        assert db.session.execute(select(ReflectionReview)).first() is None
    assert all(s.score_given is None for s in pf.lti.state.scores(rubric.item_id))


# -- who may do what --------------------------------------------------------------------


def test_students_see_only_their_own_feedback_and_never_the_teacher_pages(
    pf: Portfolio, app: Flask, rubric: Placement
) -> None:
    students = pf.students(IED)
    _student_submits(pf, students[0].sub, rubric)
    page, token = _teacher_page(pf, rubric)
    path = _score_path(page, app, students[0].sub)
    pf.lti.client.post(path, data={"lt": token, "level": "Clear", "comment": COMMENT})

    done, (location, other_token) = _student_submits(pf, students[1].sub, rubric)
    assert done.status_code == 302
    theirs = text_of(
        pf.lti.client.get(location.path, query_string=f"{location.query}&lt={other_token}")
    )
    assert COMMENT not in theirs and "Your teacher's feedback" not in theirs
    assert pf.lti.client.get(page, query_string={"lt": other_token}).status_code == 403
    assert pf.lti.client.get(path, query_string={"lt": other_token}).status_code == 403
    refused = pf.lti.client.post(path, data={"lt": other_token, "level": "Not yet"})
    assert refused.status_code == 403
    assert pf.lti.state.scores(rubric.item_id)[-1].user_id == students[1].sub  # their own


def test_a_new_version_after_scoring_waits_for_the_teacher_again(
    pf: Portfolio, app: Flask, rubric: Placement
) -> None:
    student = pf.students(IED)[0]
    _student_submits(pf, student.sub, rubric)
    page, token = _teacher_page(pf, rubric)
    path = _score_path(page, app, student.sub)
    pf.lti.client.post(path, data={"lt": token, "level": "Clear", "comment": COMMENT})
    assert pf.lti.state.scores(rubric.item_id)[-1].grading_progress == "FullyGraded"

    newer = REFLECTION + " I also want to learn more about materials."
    done, _ = _student_submits(pf, student.sub, rubric, newer)
    assert done.status_code == 302
    html = text_of(pf.lti.client.get(done.headers["Location"]))
    assert COMMENT in html and "This is about an earlier version." in html
    last = pf.lti.state.scores(rubric.item_id)[-1]
    assert last.grading_progress == "Pending" and last.score_given is None

    page, token = _teacher_page(pf, rubric)
    assert "Changed since scored" in text_of(pf.lti.client.get(page, query_string={"lt": token}))
    review = text_of(pf.lti.client.get(path, query_string={"lt": token}))
    # Both versions, the newest first ("Latest"); the older one is a prefix of the newer.
    assert "Latest, handed in" in review
    assert review.index("Latest, handed in") < review.index(newer) < review.rindex(REFLECTION)
    assert review.count(REFLECTION) == 2


def test_a_reflection_removed_from_the_portfolio_stays_handed_in(
    pf: Portfolio, app: Flask, rubric: Placement
) -> None:
    """The reflection went to the gradebook: removing it from the portfolio does not take it
    away from the teacher, who still reads and scores it."""
    student = pf.students(IED)[0]
    done, (_, token) = _student_submits(pf, student.sub, rubric)
    assert done.status_code == 302
    with app.app_context():
        evidence_id = db.session.execute(
            select(Evidence.id).where(Evidence.reflection == REFLECTION)
        ).scalar_one()
    removed = pf.lti.client.post(f"/portfolio/evidence/{evidence_id}/delete", data={"lt": token})
    assert removed.status_code == 302

    page, teacher = _teacher_page(pf, rubric)
    review_path = _score_path(page, app, student.sub)
    assert REFLECTION in text_of(pf.lti.client.get(review_path, query_string={"lt": teacher}))
    scored = pf.lti.client.post(
        review_path, data={"lt": teacher, "level": "Clear", "comment": COMMENT}
    )
    assert scored.status_code == 302
    assert pf.lti.state.scores(rubric.item_id)[-1].score_given == 14.0
