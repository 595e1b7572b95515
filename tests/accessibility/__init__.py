"""Accessibility of the whole tool: every main page, for every role, in real Chromium."""
