"""Roster and grade sync from the LMS (NRPS, AGS, Canvas and Schoology REST), class page."""

from flask import Blueprint

bp = Blueprint("grades", __name__)

from lti_tool.grades import on_launch, views  # noqa: E402,F401
