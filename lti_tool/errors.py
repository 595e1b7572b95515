"""One exception hierarchy for the whole tool, and the handlers that turn it into pages.

Every error a person can cause (a forged launch, a form with bad input, a plan they may not
read) or an LMS can cause (500, 429, a timeout) is a ``ToolError`` with an HTTP status and a
message written for the person looking at the page. Handlers log it, roll back the database
session so nothing half-written is kept, and render ``templates/errors/error.html`` (or JSON
for API clients). Unexpected exceptions become a plain 500 page without a traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DataError, SQLAlchemyError, StatementError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ToolError(Exception):
    """Base class: an error with an HTTP status and a message safe to show to a person."""

    status_code: int = 500
    title: str = "Something went wrong"
    message: str = "Lodestar could not finish this request."

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        if status_code is not None:
            self.status_code = status_code
        #: Extra context for the log only (never shown to the person).
        self.detail = detail


class LaunchError(ToolError):
    """An LTI login or launch was rejected (bad token, unknown platform, replay, ...)."""

    status_code = 400
    title = "This launch could not be accepted"
    message = "The launch from your learning platform could not be verified."


class LaunchRequired(ToolError):
    """The request carries no valid Lodestar session or launch token."""

    status_code = 401
    title = "Please open Lodestar from your course"
    message = (
        "Your Lodestar session has ended or could not be found. Open Lodestar again from "
        "your course in your learning platform."
    )


class NotAuthorized(ToolError):
    """The person is known but the policy does not allow this action."""

    status_code = 403
    title = "Not available to you"
    message = "You do not have access to this page."


class NotFound(ToolError):
    """A record does not exist (or is invisible to this tenant)."""

    status_code = 404
    title = "Not found"
    message = "That page or record does not exist."


class InvalidInput(ToolError):
    """A form or request parameter did not validate."""

    status_code = 400
    title = "Please check the form"
    message = "Some of what was sent could not be accepted."


class TooLarge(InvalidInput):
    """An uploaded file or a request body over its size limit (the form is shown again)."""

    status_code = 413
    title = "That file is too large"
    message = "The file is too large."


class ConfigurationError(ToolError):
    """The deployment is misconfigured (missing secret, unknown setting value)."""

    status_code = 500
    title = "Lodestar is not configured correctly"


class LmsApiError(ToolError):
    """The LMS answered with an error, timed out, or sent something we cannot read."""

    status_code = 502
    title = "The learning platform did not answer as expected"
    message = "Your learning platform did not answer as expected. Please try again shortly."

    def __init__(
        self,
        message: str | None = None,
        *,
        upstream_status: int | None = None,
        retryable: bool = False,
        url: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, detail=detail)
        #: The status the LMS answered with (None for timeouts and connection errors).
        self.upstream_status = upstream_status
        #: Whether trying again later may succeed (429, 5xx, timeouts).
        self.retryable = retryable
        self.url = url


class SyncError(ToolError):
    """A roster or grade sync could not complete."""

    status_code = 502
    title = "Sync did not complete"


#: Modules whose exceptions come from a database driver; their messages quote row values
#: (PostgreSQL's ``DETAIL: Failing row contains (...)`` or ``Key (email)=(...)``).
_DRIVER_MODULES = ("psycopg", "sqlite3", "psycopg2")


def _is_database_error(err: BaseException) -> bool:
    module = type(err).__module__.split(".", 1)[0]
    return isinstance(err, SQLAlchemyError) or module in _DRIVER_MODULES


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def describe_database_error(err: BaseException) -> str:
    """Name a database error without any value it carries.

    Gives the SQLAlchemy class, the driver's class and SQLSTATE, and the SQL statement with
    its placeholders, never the parameters nor the driver's message (which can quote the
    failing row: a student's plan text or email).
    """
    parts = [type(err).__name__]
    orig = getattr(err, "orig", None)
    if orig is not None:
        driver = f"{type(orig).__module__}.{type(orig).__name__}"
        sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        parts.append(f"({driver}{f', SQLSTATE {sqlstate}' if sqlstate else ''})")
    if isinstance(err, StatementError) and err.statement:
        parts.append(f"in statement: {' '.join(err.statement.split())[:1000]}")
    return " ".join(parts)


def log_exception(
    logger: logging.Logger, message: str, *args: Any, level: int = logging.ERROR
) -> None:
    """Log the exception being handled, like ``logger.exception`` but without row values.

    When the exception is, or was caused by, a database error, the log gets
    ``describe_database_error`` and the traceback's frames (file, line, code) instead of
    the exception messages; any other exception is logged in full.
    """
    err = sys.exc_info()[1]
    db_errors = [e for e in _chain(err) if _is_database_error(e)] if err else []
    if err is None or not db_errors:
        logger.log(level, message, *args, exc_info=True)
        return
    described = "; caused by ".join(
        describe_database_error(e) if _is_database_error(e) else type(e).__name__
        for e in _chain(err)
    )
    frames = "".join(traceback.format_tb(err.__traceback__))
    logger.log(
        level,
        message + ": %s (values not logged)\nTraceback (frames only):\n%s",
        *args,
        described,
        frames.rstrip(),
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _render(status: int, title: str, message: str) -> tuple[Response | str, int]:
    if _wants_json():
        body: dict[str, Any] = {"error": title, "message": message, "status": status}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Install handlers for ``ToolError``, HTTP errors and anything unexpected."""
    # Imported here, not at the top: every module imports errors, and the exceptions alone
    # load no database code.
    from lti_tool.extensions import db

    @app.errorhandler(ToolError)
    def handle_tool_error(err: ToolError) -> Any:
        db.session.rollback()
        level = logging.ERROR if err.status_code >= 500 else logging.WARNING
        log.log(
            level,
            "%s %s -> %s %s: %s%s",
            request.method,
            request.path,
            err.status_code,
            type(err).__name__,
            err.message,
            f" ({err.detail})" if err.detail else "",
        )
        return _render(err.status_code, err.title, err.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(err: HTTPException) -> Any:
        if err.code and err.code >= 500:
            db.session.rollback()
        code = err.code or 500
        return _render(code, err.name, err.description or err.name)

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception) -> Any:
        db.session.rollback()
        if isinstance(err, DataError):
            # The database refused a value (too long, a NUL byte, out of range): input the
            # forms let through, not a fault of Lodestar's. Never a 500, never the value.
            log_exception(
                log,
                "Database refused a value on %s %s",
                request.method,
                request.path,
                level=logging.WARNING,
            )
            return _render(
                400,
                InvalidInput.title,
                "Something you entered could not be stored (for example text that "
                "is too long or contains unusual characters). Please check the "
                "form and try again.",
            )
        log_exception(log, "Unhandled error on %s %s", request.method, request.path)
        return _render(
            500,
            ToolError.title,
            "Lodestar hit an unexpected problem. Nothing you saved was lost; please try again.",
        )
