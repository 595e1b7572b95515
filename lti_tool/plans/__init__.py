"""The ILP itself: profile, goals, clusters, course plan, snapshots."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")

from lti_tool.plans import (  # noqa: E402,F401
    journey_views,
    news_views,
    postsecondary_views,
    resource_views,
    resume_views,
    review,
    views,
)
