"""Relevance: course and assignment tags, the class view, a student's in-class view, reports."""

from flask import Blueprint

bp = Blueprint("relevance", __name__)

from lti_tool.relevance import views  # noqa: E402,F401
