"""Tests of launch (lti_tool.launch): OIDC login, launches, sessions, registrations, keys, roles."""
