"""Careers pages: matches for a student, occupation pages, saved occupations, the occupations
in demand where the student lives, the student's state and metro, the counselor's counts of
saved occupations and the district's default state and metro.

Thin views: the policy decides (``@requires``), ``matching``, ``pages``, ``places`` and
``saved`` do the work. The student's own pages live under ``/careers/me/...``
(``EDIT_PLAN``); occupation reference pages are for anyone of the tenant with a session
(``BROWSE_CAREERS``).
"""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.careers import bp, matching, oews, onet, pages, places, saved
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.launch.access import requires
from lti_tool.launch.session import current_person, lurl
from lti_tool.models import Person
from lti_tool.plans import reading
from lti_tool.plans.models import Plan

Action = policy.Action
Page = str | tuple[str, int]

_SOC = re.compile(r"^[1-5][0-9]-[0-9]{4}$")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: How many matches the page shows before "Show all".
SHOWN_MATCHES = 30


def _occupation(soc_code: str) -> saved.Occupation:
    if _CONTROL.search(soc_code):
        raise InvalidInput("That is not an occupation code.")
    if not _SOC.match(soc_code):
        raise NotFound("There is no occupation with that code.")
    return saved.occupation_or_404(soc_code)


def _editor(actor: Actor) -> Person | None:
    """The actor when they may edit a plan of their own (a student), else None."""
    person = current_person()
    return person if policy.allowed(actor, Action.EDIT_PLAN, person) else None


def _own_plan(actor: Actor) -> tuple[Plan | None, bool]:
    """The actor's own plan (None when they have none yet), and whether they are a student
    who may have one."""
    person = _editor(actor)
    return (reading.find_plan(person) if person is not None else None), person is not None


# -- matches ---------------------------------------------------------------------------------


@bp.get("/me/matches")
@requires(Action.EDIT_PLAN, me="person")
def my_matches(actor: Actor, person: Person) -> str:
    """Careers that fit the student's interests, clusters and skills, best first."""
    plan = reading.open_plan(actor, person, page="career_matches")
    show_all = request.args.get("all") == "1"
    result = matching.rank_for_plan(plan)
    return render_template(
        "careers/matches.html",
        plan=plan,
        result=result,
        shown=result.matches if show_all else result.matches[:SHOWN_MATCHES],
        show_all=show_all,
        saved_codes={row.saved.soc_code for row in saved.saved_rows(plan)},
        release=pages.release_credit(oews.current_release()),
        cluster_names=[reading.cluster_name(code) for code in result.student.cluster_codes],
    )


# -- occupation pages ------------------------------------------------------------------------


@bp.get("/occupations/<soc_code>")
@requires(Action.BROWSE_CAREERS)
def occupation(actor: Actor, soc_code: str) -> Page:
    """One occupation: the work, preparation, wages and jobs here and in the nation."""
    found = _occupation(soc_code)
    plan, student = _own_plan(actor)
    place = places.place_of(plan, actor.tenant_id)
    state_code, metro_code = place.state_code, place.metro_code
    if "state" in request.args or "metro" in request.args:
        state_code, metro_code = places.check_place(
            request.args.get("state"), request.args.get("metro")
        )
    view = pages.occupation_view(
        found,
        tenant_id=actor.tenant_id,
        framework_version=plan.framework_version if plan is not None else "2024",
        state_code=state_code,
        metro_code=metro_code,
    )
    return render_template(
        "careers/occupation.html",
        view=view,
        place=place,
        student=student,
        saved_row=saved.is_saved(plan, found.soc_code),
        note_limit=saved.NOTE_LIMIT,
        zones=pages.JOB_ZONES,
    )


# -- saved occupations -----------------------------------------------------------------------


@bp.get("/me/saved")
@requires(Action.EDIT_PLAN, me="person")
def my_saved(actor: Actor, person: Person) -> str:
    """The occupations the student saved, with their notes."""
    plan = reading.open_plan(actor, person, page="saved_occupations")
    return render_template("careers/saved.html", rows=saved.saved_rows(plan))


@bp.post("/me/saved")
@requires(Action.EDIT_PLAN, me="person")
def save_occupation(actor: Actor, person: Person) -> BaseResponse:
    """Save an occupation to the plan (or change its note)."""
    found = _occupation(str(request.form.get("soc_code", "")))
    plan = reading.get_or_create_plan(person)
    already = saved.is_saved(plan, found.soc_code) is not None
    saved.save(actor, plan, found, request.form.get("note", ""))
    flash(
        "Your note is saved." if already else f"Saved “{found.title}” to your plan.",
        "info",
    )
    return redirect(lurl("careers.occupation", soc_code=found.soc_code, _anchor="save"))


@bp.post("/me/saved/<soc_code>/delete")
@requires(Action.EDIT_PLAN, me="person")
def unsave_occupation(actor: Actor, person: Person, soc_code: str) -> BaseResponse:
    """Remove an occupation from the plan (goals made from it stay)."""
    if _CONTROL.search(soc_code):
        raise InvalidInput("That is not an occupation code.")
    plan = reading.get_or_create_plan(person)
    saved.remove(actor, plan, soc_code)
    flash("Removed from your saved occupations.", "info")
    return redirect(lurl("careers.my_saved"))


@bp.post("/me/saved/<soc_code>/goal")
@requires(Action.EDIT_PLAN, me="person")
def goal_from_saved(actor: Actor, person: Person, soc_code: str) -> BaseResponse:
    """Turn a saved occupation into a career goal, then open the goal."""
    if _CONTROL.search(soc_code):
        raise InvalidInput("That is not an occupation code.")
    plan = reading.get_or_create_plan(person)
    goal = saved.goal_from_saved(actor, plan, soc_code)
    flash("Goal added. Add a target date and the steps that will get you there.", "info")
    return redirect(lurl("plans.edit_goal", goal_id=goal.id))


# -- the student's state and metro -----------------------------------------------------------


def _place_page(
    plan: Plan | None, tenant_id: int, error: str | None = None, status: int = 200
) -> Page:
    return render_template(
        "careers/place.html",
        place=places.place_of(plan, tenant_id),
        states=oews.states(),
        metros=oews.metros_by_state(),
        all_metros=oews.metros(),
        error=error,
        action="careers.save_place",
        heading="Where you look for work",
    ), status


@bp.get("/me/place")
@requires(Action.EDIT_PLAN, me="person")
def my_place(actor: Actor, person: Person) -> Page:
    """Choose the state and metro area the careers pages show figures for."""
    plan = reading.open_plan(actor, person, page="career_place")
    return _place_page(plan, actor.tenant_id)


@bp.post("/me/place")
@requires(Action.EDIT_PLAN, me="person")
def save_place(actor: Actor, person: Person) -> Page | BaseResponse:
    """Save the state and metro (blank: the district's default)."""
    plan = reading.get_or_create_plan(person)
    try:
        changed = places.set_place(actor, plan, request.form)
    except InvalidInput as err:
        return _place_page(plan, actor.tenant_id, err.message, 400)
    flash("Your state and metro area are saved." if changed else "Nothing changed.", "info")
    return redirect(lurl("careers.in_demand_here"))


# -- in demand here --------------------------------------------------------------------------


@bp.get("/in-demand")
@requires(Action.BROWSE_CAREERS)
def in_demand_here(actor: Actor) -> Page:
    """Occupations in the student's metro or state by jobs or by location quotient."""
    plan, student = _own_plan(actor)
    place = places.place_of(plan, actor.tenant_id)
    version = plan.framework_version if plan is not None else "2024"
    args = request.args
    where = args.get("where") or ("metro" if place.metro is not None else "state")
    by = args.get("by") or oews.RankBy.EMPLOYMENT.value
    cluster = args.get("cluster") or None
    zone_text = args.get("zone") or None
    clusters = pages.cluster_choices(version)
    if where not in ("metro", "state") or by not in {b.value for b in oews.RankBy}:
        raise InvalidInput("Choose one of the listed options.")
    if cluster is not None and cluster not in {code for code, _ in clusters}:
        raise InvalidInput("Choose a career cluster from the list.")
    zone = None
    if zone_text is not None:
        if zone_text not in {str(z) for z in pages.JOB_ZONES}:
            raise InvalidInput("Choose a preparation level from the list.")
        zone = int(zone_text)
    area = place.metro if where == "metro" else place.state
    result = pages.in_demand(
        area,
        by=oews.RankBy(by),
        tenant_id=actor.tenant_id,
        framework_version=version,
        cluster=cluster,
        job_zone=zone,
    )
    return render_template(
        "careers/in_demand.html",
        result=result,
        place=place,
        where=where,
        by=by,
        cluster=cluster,
        zone=zone,
        clusters=clusters,
        zones=pages.JOB_ZONES,
        student=student,
        onet_credit=onet.attribution() if result.onet_loaded else None,
    )


# -- counselors and admins -------------------------------------------------------------------


@bp.get("/caseload/saved")
@requires(Action.REVIEW_CASELOAD)
def caseload_saved(actor: Actor) -> str:
    """Which occupations the caseload saved: how many students saved each."""
    return render_template("careers/caseload_saved.html", rows=saved.caseload_counts(actor))


@bp.get("/admin/place")
@requires(Action.ADMIN_TENANT)
def district_place(actor: Actor) -> Page:
    """The district's default state and metro for its students' careers pages."""
    return _district_page(actor)


def _district_page(actor: Actor, error: str | None = None, status: int = 200) -> Page:
    default = places.district_default(actor.tenant_id)
    return render_template(
        "careers/place.html",
        place=places.Place(
            places.state_area(default.state_code) if default else None,
            places.metro_area(default.metro_code) if default else None,
            "district",
        ),
        states=oews.states(),
        metros=oews.metros_by_state(),
        all_metros=oews.metros(),
        error=error,
        action="careers.save_district_place",
        heading="Your district's state and metro area",
    ), status


@bp.post("/admin/place")
@requires(Action.ADMIN_TENANT)
def save_district_place(actor: Actor) -> Page | BaseResponse:
    """Save the district's default state and metro."""
    try:
        places.set_default(actor, request.form)
    except InvalidInput as err:
        return _district_page(actor, err.message, 400)
    flash("The district's state and metro area are saved.", "info")
    return redirect(lurl("careers.district_place"))
