"""Tests of the sandbox LMS (lti_tool.sandbox)."""
