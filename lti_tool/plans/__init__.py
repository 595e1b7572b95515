"""The ILP itself: profile, goals, clusters, course plan, snapshots."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")

from lti_tool.plans import journey_views, review, views  # noqa: E402,F401
