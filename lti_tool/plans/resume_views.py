"""Resume pages: the student's builder (``/plans/me/resume``), the read-only resume others who
may read the plan see, the printable page and the PDF download.

Every page is built from the plan as it stands (``lti_tool.plans.resume``); the builder's
form saves only choices. Move buttons submit the whole form, so they work without
JavaScript and keep the ticks the student changed. A form with an unknown section or entry
gives 400 with a message and saves nothing.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput
from lti_tool.launch.access import requires
from lti_tool.launch.session import lurl
from lti_tool.models import Person
from lti_tool.plans import bp, reading, resume, resume_pdf

Action = policy.Action
Page = str | tuple[str, int]


def _builder(actor: Actor, person: Person, error: str | None = None, status: int = 200) -> Page:
    plan = reading.open_plan(actor, person, page="resume")
    return render_template(
        "plans/resume.html",
        student=person,
        resume=resume.build(plan, person),
        contact_choices=resume.CONTACT_CHOICES,
        error=error,
    ), status


@bp.get("/me/resume")
@requires(Action.EDIT_PLAN, me="person")
def my_resume(actor: Actor, person: Person) -> Page:
    """The resume builder: what goes in, in which order, and a preview."""
    return _builder(actor, person)


@bp.post("/me/resume")
@requires(Action.EDIT_PLAN, me="person")
def save_resume(actor: Actor, person: Person) -> Page | BaseResponse:
    """Save the choices (and move a section when a move button was pressed)."""
    try:
        choices, move = resume.parse_form(request.form)
    except InvalidInput as err:
        return _builder(actor, person, error=err.message, status=400)
    if move is not None:
        choices = choices.moved(move[1], move[0])
    plan = reading.get_or_create_plan(person)
    changed = resume.save_choices(actor, plan, choices)
    if move is not None:
        title = resume.SECTIONS[move[1]].title
        flash(f"Moved “{title}” {move[0]}.", "info")
        return redirect(lurl("plans.my_resume", _anchor=f"part-{move[1]}"))
    flash("Your resume choices are saved." if changed else "Nothing changed.", "info")
    return redirect(lurl("plans.my_resume", _anchor="preview"))


@bp.get("/students/<int:person_id>/resume")
@requires(Action.READ_PLAN, student=(Person, "person_id"))
def student_resume(actor: Actor, student: Person) -> str:
    """A student's resume, read-only, for the student and those who may read their plan."""
    plan = reading.open_plan(actor, student, page="resume")
    return render_template(
        "plans/resume_read.html",
        student=student,
        own=student.id == actor.person_id,
        resume=resume.build(plan, student),
    )


@bp.get("/students/<int:person_id>/resume/print")
@requires(Action.READ_PLAN, student=(Person, "person_id"))
def print_resume(actor: Actor, student: Person) -> Response:
    """The resume as a clean one-column page for printing."""
    plan = reading.open_plan(actor, student, page="resume.print")
    html = render_template(
        "plans/resume_print.html",
        student=student,
        own=student.id == actor.person_id,
        resume=resume.build(plan, student),
    )
    return Response(html, headers={"Cache-Control": "no-store"})


@bp.get("/students/<int:person_id>/resume.pdf")
@requires(Action.READ_PLAN, student=(Person, "person_id"))
def resume_pdf_download(actor: Actor, student: Person) -> Response:
    """The resume as a PDF download."""
    plan = reading.open_plan(actor, student, page="resume.pdf")
    data = resume_pdf.render(resume.build(plan, student))
    filename = f"resume-{student.id}-{utcnow().date().isoformat()}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
