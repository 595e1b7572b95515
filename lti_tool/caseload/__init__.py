"""Caseloads: which students each counselor has (an admin's assignment rules), and the
counselor's caseload page (search, filters, sort, pages, bulk comments, CSV export).

Who may see which student is decided in ``lti_tool.policy`` (``sees_student``); this package
lists, assigns and exports.
"""

from flask import Blueprint

bp = Blueprint("caseload", __name__)

from lti_tool.caseload import admin_views, views  # noqa: E402,F401
