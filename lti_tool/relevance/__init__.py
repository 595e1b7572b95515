"""Relevance: course and assignment tags, the class view, a student's in-class view, reports."""

from flask import Blueprint

bp = Blueprint("relevance", __name__)

# ``skills`` registers the tenant's tagged skills as suggestions when the blueprint is.
from lti_tool.relevance import skills, views  # noqa: E402,F401
