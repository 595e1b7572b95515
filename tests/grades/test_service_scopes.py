"""Service tokens against registrations that lack some scopes (the sandbox plays Canvas, which
refuses a request naming any missing scope, and Moodle, which grants the permitted part)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from lti_tool.errors import LmsApiError
from lti_tool.extensions import db
from lti_tool.grades import sync, tokens
from lti_tool.grades.models import Assignment, Grade, SyncKind, SyncStatus
from lti_tool.lti_vocab import (
    AGS_LINEITEM,
    AGS_LINEITEM_READONLY,
    AGS_RESULT,
    AGS_SCORE,
    NRPS_SCOPE,
)
from lti_tool.models import Course, Platform
from lti_tool.sandbox import vocab
from tests.lti_driver import LtiDriver

#: A Canvas developer key with every LTI Advantage scope ticked except "Can create and view
#: assignment data in the gradebook" (lineitem).
NO_LINEITEM = (NRPS_SCOPE, AGS_LINEITEM_READONLY, AGS_RESULT, AGS_SCORE)


@pytest.fixture
def course_id(lti: LtiDriver, app: Flask) -> Iterator[int]:
    """A teacher launched into Biology 1; the sandbox's registration is restored after."""
    state = lti.state
    state.request_log.clear()  # the log is bounded: positions below must not shift
    try:
        teacher = lti.person("teacher")
        lti.launch(teacher, lti.course_of(teacher))
        with app.app_context():
            yield db.session.execute(select(Course.id)).scalar_one()
    finally:
        state.set_granted_scopes(vocab.SUPPORTED_SCOPES, "canvas")


def _grades(app: Flask, course_id: int, kind: SyncKind = SyncKind.GRADES) -> Any:
    with app.app_context():
        course = db.session.get(Course, course_id)
        run = sync.execute_run(sync.create_run(course, kind, requested_by=None).id)
        return run.status, run.error


def _token_answers(lti: LtiDriver, since: int) -> list[int]:
    return [r.status for r in list(lti.state.request_log)[since:] if r.path == "/token"]


def test_line_items_are_read_with_readonly_when_lineitem_is_refused(
    lti: LtiDriver, app: Flask, course_id: int
) -> None:
    lti.state.set_granted_scopes(NO_LINEITEM)
    assert _grades(app, course_id, SyncKind.ROSTER)[0] == SyncStatus.SUCCEEDED
    mark = len(lti.state.request_log)
    status, error = _grades(app, course_id)
    assert status == SyncStatus.SUCCEEDED, error
    # lineitem.readonly + lineitem together: 400; then one by one: 200 and 400; results: 200.
    assert _token_answers(lti, mark) == [400, 200, 400, 200]
    items = lti.state.district.line_items["sbx-course-bio1"]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Assignment)).scalar() == len(
            items
        )
        assert db.session.execute(select(func.count()).select_from(Grade)).scalar() == len(
            items
        ) * len(lti.state.district.students_of("sbx-course-bio1"))

    mark = len(lti.state.request_log)
    status, _ = _grades(app, course_id)
    assert status == SyncStatus.SUCCEEDED
    assert _token_answers(lti, mark) == []  # the grant is remembered, its token cached


def test_several_granted_scopes_are_asked_for_together(
    lti: LtiDriver, app: Flask, course_id: int
) -> None:
    lti.state.set_granted_scopes(NO_LINEITEM)
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        grant = tokens.service_grant(platform, [AGS_LINEITEM_READONLY, AGS_LINEITEM, AGS_RESULT])
        assert grant.scopes == {AGS_LINEITEM_READONLY, AGS_RESULT}
        assert lti.state.lookup_access_token(grant.token).scopes == grant.scopes
        again = tokens.service_grant(platform, [AGS_RESULT, AGS_LINEITEM, AGS_LINEITEM_READONLY])
        assert again == grant


def test_moodle_style_partial_grant_is_read_from_the_answer(
    lti: LtiDriver, app: Flask, course_id: int
) -> None:
    lti.state.set_granted_scopes(NO_LINEITEM, "moodle")
    mark = len(lti.state.request_log)
    status, error = _grades(app, course_id)
    assert status == SyncStatus.SUCCEEDED, error
    assert _token_answers(lti, mark) == [200, 200]  # line items (partial grant), results
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        grant = tokens.service_grant(platform, [AGS_LINEITEM_READONLY, AGS_LINEITEM])
        assert grant.scopes == {AGS_LINEITEM_READONLY}
    assert _token_answers(lti, mark) == [200, 200]


def test_no_granted_scope_is_a_clear_failure(lti: LtiDriver, app: Flask, course_id: int) -> None:
    lti.state.set_granted_scopes((NRPS_SCOPE, AGS_SCORE))
    status, error = _grades(app, course_id)
    assert status == SyncStatus.FAILED
    assert "does not let Lodestar use lineitem.readonly, lineitem" in error
    assert "developer key" in error
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        mark = len(lti.state.request_log)
        with pytest.raises(LmsApiError, match="lineitem"):
            tokens.service_grant(platform, [AGS_LINEITEM_READONLY, AGS_LINEITEM])
        assert _token_answers(lti, mark) == []  # the refusal is remembered for a while
        with pytest.raises(LmsApiError, match=r"result\.readonly"):
            tokens.service_grant(platform, [AGS_RESULT])


def test_a_grant_that_shrank_is_asked_for_afresh(
    lti: LtiDriver, app: Flask, course_id: int
) -> None:
    lti.state.set_granted_scopes(NO_LINEITEM)
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        grant = tokens.service_grant(platform, [AGS_LINEITEM_READONLY, AGS_LINEITEM])
        tokens.forget_token(platform, grant.scopes)
        lti.state.set_granted_scopes((NRPS_SCOPE, AGS_LINEITEM, AGS_SCORE))
        assert tokens.service_grant(platform, [AGS_LINEITEM_READONLY, AGS_LINEITEM]).scopes == {
            AGS_LINEITEM
        }
