"""Reading and creating plans. Access is decided by ``lti_tool.policy`` before these run."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool import audit
from lti_tool.errors import NotFound
from lti_tool.extensions import db
from lti_tool.launch.session import Actor
from lti_tool.models import Mentorship, Person, Role
from lti_tool.plans.models import Plan


def get_or_create_plan(person: Person) -> Plan:
    """The person's plan in their tenant, created empty on first use."""
    plan = db.session.execute(
        select(Plan).where(Plan.tenant_id == person.tenant_id, Plan.person_id == person.id)
    ).scalar_one_or_none()
    if plan is None:
        plan = Plan(tenant_id=person.tenant_id, person_id=person.id, about="")
        db.session.add(plan)
        db.session.flush()
    return plan


def get_person(actor: Actor, person_id: int) -> Person:
    """A person of the actor's tenant.

    :raises NotFound: when absent or in another tenant (the two are indistinguishable).
    """
    person = db.session.get(Person, person_id)
    if person is None or person.tenant_id != actor.tenant_id:
        raise NotFound()
    return person


def open_plan(actor: Actor, person: Person) -> Plan:
    """Load (or create) a plan for viewing and write the audit event."""
    plan = get_or_create_plan(person)
    audit.record("plan.view", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan", subject_id=plan.id, student_id=person.id)
    db.session.commit()
    return plan


def guarded_students(actor: Actor) -> list[Person]:
    """Students a guardian may see (active mentor links)."""
    return list(db.session.execute(
        select(Person).join(Mentorship, Mentorship.student_id == Person.id)
        .where(Mentorship.guardian_id == actor.person_id, Mentorship.active.is_(True),
               Person.tenant_id == actor.tenant_id)
        .order_by(Person.family_name, Person.name)
    ).scalars())


def caseload(actor: Actor) -> list[Person]:
    """Students in the tenant (anyone with a student enrollment), for counselors."""
    from lti_tool.models import Enrollment

    return list(db.session.execute(
        select(Person).where(Person.tenant_id == actor.tenant_id,
                             Person.id.in_(select(Enrollment.person_id)
                                           .where(Enrollment.role == Role.STUDENT)))
        .order_by(Person.family_name, Person.name)
    ).scalars())
