"""Evidence, work samples, reflections, and the Deep Linking activity picker."""

from flask import Blueprint

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")

from lti_tool.portfolio import plan_part, views  # noqa: E402,F401
