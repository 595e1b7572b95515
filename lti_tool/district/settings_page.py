"""What the district settings page shows and saves, gathered from where each setting lives:
the time zone on the tenant, the course plan and grade scale in ``PlanSettings``, the
labour-market place in careers' district default, the milestone list in the journey, and the
calendar and retention in ``DistrictSettings``. Each saver reuses its feature's service (which
audits the change)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lti_tool.actor import Actor
from lti_tool.careers import oews, places
from lti_tool.district import calendar
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.launch import services as launch_services
from lti_tool.models import Tenant
from lti_tool.plans import journey, plan_settings, reference
from lti_tool.plans.grade_scale import SCALES
from lti_tool.plans.reading import school_year
from lti_tool.plans.vocabulary import COURSE_PLAN_FIRST_GRADES
from lti_tool.tenants import COMMON_ZONES, effective_zone_name


def milestone_summary(tenant_id: int) -> dict[str, Any]:
    """How many milestones the district's journey has by grade, and how many it changed,
    added or hid."""
    steps = journey.steps(tenant_id, include_hidden=True)
    shown = [s for s in steps if not s.hidden]
    by_grade: dict[int, int] = {}
    for s in shown:
        by_grade[s.grade] = by_grade.get(s.grade, 0) + 1
    return {
        "total": len(shown),
        "by_grade": sorted(by_grade.items()),
        "added": sum(1 for s in steps if not s.shipped),
        "changed": sum(1 for s in steps if s.shipped and s.changed and not s.hidden),
        "hidden": sum(1 for s in steps if s.hidden),
    }


def overview(tenant_id: int) -> dict[str, Any]:
    """Everything the settings page shows."""
    tenant = db.session.get(Tenant, tenant_id)
    default = places.district_default(tenant_id)
    return {
        "tenant": tenant,
        "framework": reference.framework(reference.DEFAULT_FRAMEWORK),
        "scales": SCALES,
        "grade_scale": plan_settings.grade_scale(tenant_id),
        "first_grades": COURSE_PLAN_FIRST_GRADES,
        "first_grade": plan_settings.course_plan_first_grade(tenant_id),
        "zone": effective_zone_name(tenant),
        "zone_choices": COMMON_ZONES,
        "calendar": calendar.settings_of(tenant_id),
        "this_year": school_year(tenant_id=tenant_id),
        "state": places.state_area(default.state_code) if default else None,
        "metro": places.metro_area(default.metro_code) if default else None,
        "states": oews.states(),
        "metros": oews.metros_by_state(),
        "milestones": milestone_summary(tenant_id),
    }


def save_plan_settings(actor: Actor, form: Mapping[str, Any]) -> None:
    """Save the course plan's first grade and the grade scale (plans' service audits them).

    :raises InvalidInput: for a grade or scale that is not offered.
    """
    grade = str(form.get("course_plan_first_grade", "")).strip()
    if not grade.isdigit():
        raise InvalidInput("The course plan starts in grade 6, 7, 8 or 9.")
    scale = str(form.get("grade_scale", ""))
    if scale not in SCALES:
        raise InvalidInput("Choose one of the grade scales.")
    plan_settings.set_course_plan_first_grade(actor, int(grade))
    plan_settings.set_grade_scale(actor, scale)


def save_time_zone(actor: Actor, form: Mapping[str, Any]) -> None:
    """Set or clear the district's time zone (launch's service audits it).

    :raises InvalidInput: for a name that is no IANA time zone.
    """
    launch_services.set_time_zone(
        actor.tenant_id, str(form.get("timezone", "")), actor_id=actor.person_id
    )


def save_place(actor: Actor, form: Mapping[str, Any]) -> None:
    """Set the district's state and metro for labour-market figures (careers' service).

    :raises InvalidInput: for an unknown state or a metro outside the state.
    """
    places.set_default(actor, form)
