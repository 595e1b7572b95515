"""Careers: occupation reference data (BLS OEWS employment and wages, O*NET, crosswalks to
career clusters) and what is built on it: matchmaking, occupation pages, saved occupations
and the occupations in demand where the student lives.

Reference data is global (one copy for every tenant); a district's overrides are per tenant.
"""

from flask import Blueprint

bp = Blueprint("careers", __name__, url_prefix="/careers")

from lti_tool.careers import plan_part, views  # noqa: E402,F401
