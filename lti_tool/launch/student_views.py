"""The admin's import of students' grade levels, graduation years and schools (a district
CSV file); the work is in :mod:`lti_tool.launch.student_info`."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.launch import bp, student_info
from lti_tool.launch.access import requires
from lti_tool.policy import Action

Page = tuple[str, int]


@bp.url_value_preprocessor
def limit_student_upload(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Cap the import's request body before anything reads it: the largest file accepted
    plus 1 MiB for the rest of the form (a bigger body is refused with 413)."""
    if endpoint == "launch.import_students":
        request.max_content_length = student_info.MAX_FILE_BYTES + 1024 * 1024


def _page(
    actor: Actor,
    *,
    report: student_info.ImportReport | None = None,
    error: str | None = None,
    filename: str | None = None,
    status: int = 200,
) -> Page:
    return render_template(
        "launch/students_import.html",
        summary=student_info.summary(actor.tenant_id),
        columns=student_info.COLUMNS,
        max_mb=student_info.MAX_FILE_BYTES // (1024 * 1024),
        max_rows=student_info.MAX_ROWS,
        report=report,
        error=error,
        filename=filename,
    ), status


@bp.get("/admin/students/import")
@requires(Action.ADMIN_TENANT)
def students_import(actor: Actor) -> Page:
    """Where students' grade levels come from, and the CSV import."""
    return _page(actor)


@bp.post("/admin/students/import")
@requires(Action.ADMIN_TENANT)
def import_students(actor: Actor) -> Page:
    """Apply an uploaded district CSV; a malformed file changes nothing (422)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(actor, error="Choose a CSV file to upload.", status=422)
    filename = upload.filename[:120]
    data = upload.stream.read(student_info.MAX_FILE_BYTES + 1)
    try:
        report = student_info.import_students(actor.tenant_id, data, actor_id=actor.person_id)
    except InvalidInput as err:
        return _page(
            actor,
            error=f"“{filename}” was not imported; nothing changed. {err.message}",
            filename=filename,
            status=422,
        )
    return _page(actor, report=report, filename=filename)
