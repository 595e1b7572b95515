"""Saved occupations made into goals: one step, one audit event, and the goal keeps its
occupation when the student edits it later."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.careers import saved
from lti_tool.careers.models import Occupation
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import AuditEvent
from lti_tool.plans import goals_and_milestones
from tests import factories


def test_goal_from_a_saved_occupation_in_one_audited_step(app: Flask) -> None:
    with app.app_context():
        student = factories.person(factories.tenant())
        plan = factories.plan(student)
        nurse = Occupation(
            soc_code="29-1141",
            title="Registered Nurses",
            major_group="29-0000",
            minor_group="29-1000",
            broad_group="29-1140",
        )
        db.session.add(nurse)
        db.session.commit()
        actor = factories.actor(student)
        saved.save(actor, plan, nurse)
        goal = saved.goal_from_saved(actor, plan, "29-1141")
        assert goal.soc_code == "29-1141" and "Registered Nurses" in goal.statement
        actions = db.session.execute(
            select(AuditEvent.action).where(AuditEvent.subject_type == "goal")
        ).scalars()
        assert list(actions) == ["goal.create"]
        # The goal form sends no occupation: editing the goal keeps it.
        goals_and_milestones.update_goal(
            actor, plan, goal.id, {"category": "career", "statement": "Become a nurse"}
        )
        assert goal.soc_code == "29-1141"
        with pytest.raises(InvalidInput, match="SOC code"):
            goals_and_milestones.update_goal(
                actor,
                plan,
                goal.id,
                {"category": "career", "statement": "Become a nurse", "soc_code": "nurse"},
            )
