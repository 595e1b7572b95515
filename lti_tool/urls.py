"""Lodestar's own public address, for every link an LMS or a browser follows back to us.

Launch and login URLs, the JWKS URL, Canvas's OAuth callback, a Dynamic Registration link and
a Deep Linking resource all start with :func:`base_url`: ``ILP_BASE_URL`` when it is set
(production requires it: behind a proxy the request may name an internal host), else the
scheme and host of the current request. :func:`public_url` adds an endpoint's path to it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for


def base_url() -> str:
    """``ILP_BASE_URL``, else the current request's ``scheme://host[:port]``; no trailing
    slash."""
    configured = current_app.config.get("ILP_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    return request.host_url.rstrip("/")


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute public URL of ``endpoint`` (``url_for`` arguments as ``values``)."""
    return base_url() + url_for(endpoint, **values)
