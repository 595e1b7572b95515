"""LTI 1.3: OIDC login, launch, JWKS, registrations, keys, roles, sessions, deep linking."""

from flask import Blueprint

bp = Blueprint("launch", __name__)

from lti_tool.launch import student_views, views, window_views  # noqa: E402,F401
from lti_tool.launch.ratelimit import RateLimited, too_many_requests  # noqa: E402

bp.register_error_handler(RateLimited, too_many_requests)
