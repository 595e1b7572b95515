"""District administration: the settings page, the audit-log viewer and the year-end rollover.

The top feature layer: it gathers settings that other features keep (time zone on the tenant,
grade scale and course plan in plans, the labour-market place in careers, the milestone list
in the journey) on one page for a district admin, and runs the operations that span them.
"""

from flask import Blueprint

bp = Blueprint("district", __name__, url_prefix="/admin")

from lti_tool.district import views  # noqa: E402,F401
