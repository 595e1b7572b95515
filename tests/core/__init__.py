"""Tests of the cross-cutting modules at the top of lti_tool: policy, store, http, retry, parse,
urls, input hygiene, security headers and the production settings."""
