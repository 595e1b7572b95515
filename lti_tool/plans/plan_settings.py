"""A tenant's choices about plans (``PlanSettings``): the first grade of the course plan.

The course plan covers grades 9 to 12 unless the district plans middle school courses too
(from grade 6, 7 or 8). Narrowing the range later loses nothing: courses already planned in
a grade outside it stay in the plan and are still shown and editable.
"""

from __future__ import annotations

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.plans.grade_scale import DEFAULT_SCALE, SCALES
from lti_tool.plans.models import PlanSettings
from lti_tool.plans.vocabulary import COURSE_PLAN_FIRST_GRADES, GRADES, LAST_GRADE


def course_plan_first_grade(tenant_id: int) -> int:
    """The tenant's first grade of the course plan (9 unless the district chose otherwise)."""
    settings = db.session.get(PlanSettings, tenant_id)
    return settings.course_plan_first_grade if settings is not None else GRADES[0]


def course_plan_grades(tenant_id: int) -> tuple[int, ...]:
    """The grades of the tenant's course plan, e.g. ``(9, 10, 11, 12)`` or ``(6, ..., 12)``."""
    return tuple(range(course_plan_first_grade(tenant_id), LAST_GRADE + 1))


def grade_scale(tenant_id: int) -> str:
    """The key of the tenant's grade scale (``grade_scale.SCALES``; plus/minus by default)."""
    settings = db.session.get(PlanSettings, tenant_id)
    return settings.grade_scale if settings is not None and settings.grade_scale else DEFAULT_SCALE


def _change(actor: Actor, field: str, value: object, default: object) -> bool:
    """Set one of the actor's tenant's plan settings; audited and committed when it changed.
    Whether it changed (a setting never saved counts as ``default``)."""
    settings = db.session.get(PlanSettings, actor.tenant_id)
    if settings is None:
        settings = PlanSettings(tenant_id=actor.tenant_id, course_plan_first_grade=GRADES[0])
        db.session.add(settings)
    before = getattr(settings, field) or default
    if before == value:
        return False
    setattr(settings, field, value)
    audit.record(
        "plan_settings.update",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="tenant",
        subject_id=actor.tenant_id,
        before=before,
        **{field: value},
    )
    db.session.commit()
    return True


def set_grade_scale(actor: Actor, key: str) -> bool:
    """Set the actor's tenant's grade scale; audited. Whether it changed.

    :raises InvalidInput: for an unknown scale.
    """
    if key not in SCALES:
        raise InvalidInput("Choose one of the grade scales.")
    return _change(actor, "grade_scale", key, DEFAULT_SCALE)


def set_course_plan_first_grade(actor: Actor, grade: int) -> bool:
    """Set the first grade of the actor's tenant's course plan; audited. Whether it changed.

    :raises InvalidInput: for a grade other than 6, 7, 8 or 9.
    """
    if grade not in COURSE_PLAN_FIRST_GRADES:
        raise InvalidInput("The course plan starts in grade 6, 7, 8 or 9.")
    return _change(actor, "course_plan_first_grade", grade, GRADES[0])
