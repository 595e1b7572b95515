"""Grades listens for recorded launches (``launch.signals.launch_recorded``): a teacher's
launch refreshes a stale roster and grades. Connected when the grades blueprint is
registered on an application, for that application only."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.blueprints import BlueprintSetupState

from lti_tool.grades import bp
from lti_tool.grades.sync import sync_after_launch
from lti_tool.launch.services import LaunchResult
from lti_tool.launch.signals import launch_recorded


def sync_on_launch(sender: Flask, *, result: LaunchResult, **extra: Any) -> None:
    """The receiver: see ``grades.sync.sync_after_launch``."""
    sync_after_launch(result.course_id, result.person_id, result.roles)


@bp.record_once
def _subscribe(state: BlueprintSetupState) -> None:
    launch_recorded.connect(sync_on_launch, sender=state.app)
