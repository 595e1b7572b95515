"""LTI 1.3: OIDC login, launch, JWKS, registrations, keys, roles, sessions, deep linking."""

from flask import Blueprint

bp = Blueprint("launch", __name__)

from lti_tool.launch import views, window_views  # noqa: E402,F401
