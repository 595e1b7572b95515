"""Canvas REST through canvasapi, for one person's OAuth2 access token.

``CanvasClient`` reads the assignments and submissions of a course and a person's enrollment
grades, and returns the plain dataclasses of ``lti_tool.grades.types``; no canvasapi object
leaves this module.

canvasapi has no timeouts, no retries and its own ``requests.Session``. So:

* ``_install_session`` swaps that session for a ``_CanvasTransport`` around the app's one
  outbound session (the one place that reaches into canvasapi's private state), which gives
  every request our User-Agent, a timeout, the client's ``per_page`` and the retry policy
  (:mod:`lti_tool.retry`: connection errors, timeouts, 429 and 5xx with ``Retry-After``,
  plus Canvas's legacy "403 Forbidden (Rate Limit Exceeded)"), remembers the last response
  (for the status behind an exception) and stops runaway paging. A page that fails is
  retried on its own; a listing never starts again from its first page;
* ``CanvasClient`` maps canvasapi and requests exceptions to ``LmsApiError``.

A client keeps per-call state, so use one client per request or job, not across threads (the
session underneath is shared).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypedDict, TypeVar

import requests
from canvasapi import Canvas
from canvasapi.exceptions import CanvasException

from lti_tool.errors import LmsApiError
from lti_tool.grades.types import (
    LmsAssignment,
    LmsAttachment,
    LmsCourse,
    LmsEnrollmentGrade,
    LmsScore,
    RosterMember,
)
from lti_tool.http import OutboundSession, make_session
from lti_tool.parse import finite_float, str_or_none, utc_datetime
from lti_tool.retry import RetryPolicy, retry_after, retryable_response, retryable_status

log = logging.getLogger(__name__)

T = TypeVar("T")


class _UserEnrollment(TypedDict):
    """One of a user's Canvas enrollments, as ``list_user_enrollments_with_grades`` reads it."""

    course_id: str
    role: str
    state: str
    grades: dict[str, Any]


#: Timeout for sessions that have no default of their own (plain ``requests.Session``).
DEFAULT_TIMEOUT = 10.0

RECONNECT_MESSAGE = (
    "Your Canvas connection has expired or was revoked. Connect Canvas again to continue."
)
NOT_ALLOWED_WITH_TOKEN_MESSAGE = (
    "Canvas did not accept your Canvas connection for this. Connect Canvas again; if this "  # noqa: S105 - a message Canvas sends, not a password
    "keeps happening, your Canvas role may not allow it."
)
RATE_LIMITED_MESSAGE = (
    "Canvas is limiting how fast Lodestar may read right now. Please try again in a few minutes."
)


class _PageCapReached(Exception):
    """Raised by the transport when a listing wants more than ``max_pages`` pages."""

    def __init__(self, pages: int, url: str) -> None:
        super().__init__(f"more than {pages} pages at {url}")
        self.pages = pages
        self.url = url


class _CanvasTransport:
    """Stands in for the ``requests.Session`` inside canvasapi's ``Requester``.

    canvasapi calls ``get``/``post``/``put``/``patch``/``delete`` on its session with
    ``headers`` and ``params``/``data``; each is forwarded to the wrapped session with:

    * our User-Agent (canvasapi sets ``python-canvasapi/x.y`` per request, which would
      override the session's header);
    * a timeout (the session's ``default_timeout`` or ``DEFAULT_TIMEOUT``);
    * ``per_page`` replaced by ours on the first page of a listing (canvasapi appends its
      own ``per_page=100`` after any we pass in, and Canvas reads the last one).

    * the retry policy (the session's own unless the client names one).

    It also keeps ``last_response`` (None after a connection error), logs Canvas's
    ``X-Rate-Limit-Remaining`` at debug, and raises ``_PageCapReached`` when a listing
    reaches ``page_limit`` pages and Canvas still links a next page, so a listing can never
    loop forever.
    """

    def __init__(self, session: OutboundSession, retry: RetryPolicy | None = None) -> None:
        self.session = session
        self.retry = retry
        self.per_page: int | None = None
        self.last_response: requests.Response | None = None
        self.page_limit: int | None = None
        self.pages = 0

    def start_listing(self, page_limit: int) -> None:
        """Count pages from here on; more than ``page_limit`` raises ``_PageCapReached``."""
        self.page_limit = page_limit
        self.pages = 0

    def stop_listing(self) -> None:
        self.page_limit = None
        self.pages = 0

    def get(
        self, url: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        return self._send("GET", url, headers, **kwargs)

    def post(
        self, url: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        return self._send("POST", url, headers, **kwargs)

    def put(
        self, url: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        return self._send("PUT", url, headers, **kwargs)

    def patch(
        self, url: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        return self._send("PATCH", url, headers, **kwargs)

    def delete(
        self, url: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        return self._send("DELETE", url, headers, **kwargs)

    def _send(
        self, method: str, url: str, headers: dict[str, str] | None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(headers or {})
        user_agent = self.session.headers.get("User-Agent")
        if user_agent:
            headers["User-Agent"] = str(user_agent)
        params = kwargs.get("params")
        if (
            self.per_page is not None
            and isinstance(params, list)
            and any(key == "per_page" for key, _ in params)
        ):
            kwargs["params"] = [(k, v) for k, v in params if k != "per_page"]
            kwargs["params"].append(("per_page", self.per_page))
        kwargs.setdefault("timeout", getattr(self.session, "default_timeout", DEFAULT_TIMEOUT))
        if self.retry is not None:
            kwargs["retry"] = self.retry
        self.last_response = None
        response = self.session.request(method, url, headers=headers, **kwargs)
        self.last_response = response
        remaining = response.headers.get("X-Rate-Limit-Remaining")
        if remaining is not None:
            log.debug(
                "Canvas %s %s -> %s, X-Rate-Limit-Remaining %s",
                method,
                url,
                response.status_code,
                remaining,
            )
        if response.status_code < 400 and self.page_limit is not None and method == "GET":
            self.pages += 1
            if self.pages >= self.page_limit and "next" in response.links:
                raise _PageCapReached(self.pages, response.url)
        return response


def _install_session(
    canvas: Canvas, session: OutboundSession, retry: RetryPolicy | None = None
) -> _CanvasTransport:
    """Make ``canvas`` send every request through ``session`` (with ``retry`` instead of the
    session's own policy, when given); return the transport.

    canvasapi's ``Requester`` builds its own ``requests.Session`` (no timeout, canvasapi's
    User-Agent) and offers no way to pass one in (ucfopen/canvasapi issue #629), so this
    replaces the private ``canvas._Canvas__requester._session``. It is the only place that
    touches canvasapi internals; if a canvasapi upgrade renames them, this fails loudly.
    """
    requester = canvas._Canvas__requester
    if not isinstance(requester._session, requests.Session | _CanvasTransport):
        raise TypeError("canvasapi's Requester no longer keeps a requests.Session in _session")
    transport = _CanvasTransport(session, retry)
    requester._session = transport
    return transport


def canvas_retryable(response: requests.Response) -> bool:
    """The retry policy's answer rule plus Canvas's legacy throttling answer, "403 Forbidden
    (Rate Limit Exceeded)"."""
    return retryable_response(response) or (
        response.status_code == 403 and "Rate Limit Exceeded" in (response.text or "")
    )


def _submission_state(sub: Any) -> str | None:
    """One word for a submission: excused, missing, late, pending, else workflow_state.

    A late submission that has been graded reads "graded"; ``late`` only marks
    submitted-but-ungraded work.
    """
    workflow_state = getattr(sub, "workflow_state", None)
    if getattr(sub, "excused", False):
        return "excused"
    if getattr(sub, "missing", False):
        return "missing"
    if getattr(sub, "late", False) and workflow_state == "submitted":
        return "late"
    if workflow_state == "pending_review":
        return "pending"
    return workflow_state


def _teacher_comment(sub: Any) -> str | None:
    """The newest submission comment not written by the student, if any."""
    comments = getattr(sub, "submission_comments", None) or []
    student = getattr(sub, "user_id", None)
    for comment in reversed(comments):
        if isinstance(comment, dict) and comment.get("author_id") != student:
            return str_or_none(comment.get("comment"))
    return None


def _attachment(file: Any) -> LmsAttachment:
    size = getattr(file, "size", None)
    return LmsAttachment(
        filename=str(getattr(file, "display_name", None) or getattr(file, "filename", "")),
        url=str(getattr(file, "url", "") or ""),
        content_type=str_or_none(getattr(file, "content-type", None)),
        size=int(size) if isinstance(size, int | float) else None,
    )


class CanvasClient:
    """Canvas REST for one person's OAuth2 access token.

    :param base_url: the Canvas root, e.g. ``https://school.instructure.com`` (a trailing
        ``/`` or ``/api/v1`` is removed).
    :param access_token: the person's OAuth2 access token (see ``canvas_oauth``).
    :param session: the outbound session (the app's, ``lti_tool.http.get_session()``);
        default a new ``make_session()``.
    :param max_pages: most pages one listing may read; more raises ``LmsApiError``.
    :param per_page: page size asked of Canvas (Canvas caps it, usually at 100).
    :param max_retries: retries of one request (``ILP_HTTP_RETRIES`` in the app).
    :param sleep: how to wait between retries (tests pass a recorder).
    """

    def __init__(
        self,
        base_url: str,
        access_token: str,
        *,
        session: OutboundSession | None = None,
        max_pages: int = 50,
        per_page: int = 100,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        base_url = base_url.strip().rstrip("/")
        base_url = base_url.removesuffix("/api/v1")
        self.base_url = base_url
        self.max_pages = max_pages
        self.per_page = per_page
        self.retry = RetryPolicy(retries=max_retries, sleep=sleep, is_retryable=canvas_retryable)
        self._canvas = Canvas(base_url, access_token)
        self._transport = _install_session(self._canvas, session or make_session(), self.retry)
        self._transport.per_page = per_page
        self._courses: dict[str, Any] = {}

    # -- public API ------------------------------------------------------------------------

    def list_assignments(self, course_id: str | int) -> list[LmsAssignment]:
        """The course's assignments.

        :calls: ``GET /api/v1/courses/:course_id`` (once per client and course), then
            ``GET /api/v1/courses/:course_id/assignments``
        """
        course = self._course(course_id)
        return self._collect(
            f"the assignments of Canvas course {course_id}",
            course.get_assignments,
            lambda a: LmsAssignment(
                external_id=str(a.id),
                title=str(getattr(a, "name", "") or ""),
                source="canvas",
                score_maximum=finite_float(getattr(a, "points_possible", None)),
                due_at=utc_datetime(getattr(a, "due_at", None)),
                html_url=str_or_none(getattr(a, "html_url", None)),
                description=str_or_none(getattr(a, "description", None)),
            ),
        )

    def list_submissions(
        self,
        course_id: str | int,
        *,
        assignment_ids: list[str] | None = None,
        student_ids: list[str] | None = None,
    ) -> list[LmsScore]:
        """Submissions and scores, for all students (default) or some, with comments.

        ``url`` is the submitted link for ``online_url`` submissions, else Canvas's
        ``preview_url`` of the submission; ``body`` is the text of text-entry submissions.
        An empty ``assignment_ids`` or ``student_ids`` list returns ``[]`` without a call.

        :calls: ``GET /api/v1/courses/:course_id`` (once per client and course), then
            ``GET /api/v1/courses/:course_id/students/submissions`` with
            ``student_ids[]`` (``all`` by default), ``assignment_ids[]`` and
            ``include[]=submission_comments``
        """
        if assignment_ids == [] or student_ids == []:
            return []
        kwargs: dict[str, Any] = {
            "student_ids": [str(s) for s in student_ids] if student_ids else ["all"],
            "include": ["submission_comments"],
        }
        if assignment_ids:
            kwargs["assignment_ids"] = [str(a) for a in assignment_ids]
        course = self._course(course_id)
        return self._collect(
            f"the submissions of Canvas course {course_id}",
            lambda: course.get_multiple_submissions(**kwargs),
            self._score,
        )

    def list_user_enrollments_with_grades(
        self, user_id: str | int = "self"
    ) -> list[LmsEnrollmentGrade]:
        """A person's active and completed enrollments with course scores and grades.

        Canvas's enrollment objects carry ``grades`` but not the course name, so names
        and terms come from one listing of the person's courses; a course missing there
        (e.g. concluded) is looked up alone, and left nameless if Canvas refuses.

        :calls: ``GET /api/v1/users/:user_id``, then
            ``GET /api/v1/users/:user_id/enrollments`` with ``state[]=active,completed``
            and ``include[]=current_points``, then ``GET /api/v1/users/:user_id/courses``
            with ``include[]=term``, and ``GET /api/v1/courses/:id`` for any course missing
        """
        what = f"the Canvas enrollments of user {user_id}"
        user = self._mapped(what, lambda: self._canvas.get_user(user_id))
        enrollments = self._collect(
            what,
            lambda: user.get_enrollments(state=["active", "completed"], include=["current_points"]),
            lambda e: _UserEnrollment(
                course_id=str(e.course_id),
                role=str(getattr(e, "role", None) or getattr(e, "type", "")),
                state=str(getattr(e, "enrollment_state", "") or ""),
                grades=dict(getattr(e, "grades", None) or {}),
            ),
        )
        courses: dict[str, tuple[str, str | None]] = {}
        try:
            for course_id, name, term in self._collect(
                f"the Canvas courses of user {user_id}",
                lambda: user.get_courses(include=["term"], state=["available", "completed"]),
                self._course_summary,
            ):
                courses[course_id] = (name, term)
        except LmsApiError as err:
            if err.upstream_status not in (403, 404):
                raise
            log.info(
                "Canvas would not list the courses of user %s (%s); looking them up one by one",
                user_id,
                err.upstream_status,
            )
        results = []
        for enrollment in enrollments:
            course_id = enrollment["course_id"]
            if course_id not in courses:
                courses[course_id] = self._lookup_course_name(course_id)
            name, term = courses[course_id]
            grades = enrollment["grades"]
            results.append(
                LmsEnrollmentGrade(
                    lms_course_id=course_id,
                    course_name=name,
                    role=enrollment["role"],
                    state=enrollment["state"],
                    current_score=finite_float(grades.get("current_score")),
                    final_score=finite_float(grades.get("final_score")),
                    current_grade=str_or_none(grades.get("current_grade")),
                    final_grade=str_or_none(grades.get("final_grade")),
                    term=term,
                )
            )
        return results

    def account_ids(self) -> list[str]:
        """The root accounts the token's user administers (where a district's courses are).

        :calls: ``GET /api/v1/accounts`` (the accounts the user may manage)
        """
        accounts = self._collect(
            "the Canvas accounts you administer",
            self._canvas.get_accounts,
            lambda a: (str(a.id), getattr(a, "root_account_id", None)),
        )
        roots = [account_id for account_id, root in accounts if root is None]
        return roots or [account_id for account_id, _ in accounts]

    def list_account_courses(self, account_id: str) -> list[tuple[LmsCourse, Any]]:
        """The account's courses with students (current and unpublished ones, not concluded),
        each with the canvasapi course object :meth:`list_course_students` takes.

        :calls: ``GET /api/v1/accounts/:account_id``, then
            ``GET /api/v1/accounts/:account_id/courses`` with ``with_enrollments=true``,
            ``enrollment_type[]=student`` and ``state[]=created,claimed,available``
            (paginated with ``Link`` headers)
        """
        what = f"the courses of Canvas account {account_id}"
        account = self._mapped(what, lambda: self._canvas.get_account(account_id))
        return self._collect(
            what,
            lambda: account.get_courses(
                with_enrollments=True,
                enrollment_type=["student"],
                state=["created", "claimed", "available"],
            ),
            lambda c: (
                LmsCourse(
                    lms_course_id=str(c.id),
                    name=str(getattr(c, "name", "") or ""),
                    course_code=str_or_none(getattr(c, "course_code", None)),
                    sis_course_id=str_or_none(getattr(c, "sis_course_id", None)),
                ),
                c,
            ),
        )

    def list_course_students(self, course: Any) -> list[RosterMember]:
        """A course's active student enrollments with the users' SIS ids and emails.

        ``user_id`` stays None (Canvas REST does not give the LTI 1.3 ``sub``); the Canvas
        user id is ``lms_user_id``. Email comes only where the token may read addresses.

        :calls: ``GET /api/v1/courses/:course_id/enrollments`` with
            ``type[]=StudentEnrollment``, ``state[]=active`` and ``include[]=email``
            (paginated with ``Link`` headers)
        """
        return self._collect(
            f"the students of Canvas course {course.id}",
            lambda: course.get_enrollments(
                type=["StudentEnrollment"], state=["active"], include=["email"]
            ),
            _student_member,
        )

    def send_conversation(self, recipient_id: str, subject: str, body: str) -> str:
        """Send one person a Canvas Inbox message from the token's owner (Canvas reuses their
        private conversation if there is one, and notifies the person as they chose in
        Canvas).

        :calls: ``POST /api/v1/conversations`` with ``recipients[]``, ``subject``, ``body``,
            ``group_conversation=false``
        :returns: the id of the conversation.
        :raises LmsApiError: when Canvas refuses (not retried: a message must not go twice).
        """

        def send() -> str:
            conversations = self._canvas.create_conversation(
                [str(recipient_id)], body, subject=subject, group_conversation=False
            )
            if not conversations:
                raise ValueError("Canvas created no conversation")
            return str(conversations[0].id)

        return self._mapped("a conversation", send)

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _score(sub: Any) -> LmsScore:
        online_url = getattr(sub, "submission_type", None) == "online_url"
        url = getattr(sub, "url", None) if online_url else getattr(sub, "preview_url", None)
        return LmsScore(
            assignment_external_id=str(sub.assignment_id),
            user_id=None,
            score=finite_float(getattr(sub, "score", None)),
            comment=_teacher_comment(sub),
            submitted_at=utc_datetime(getattr(sub, "submitted_at", None)),
            graded_at=utc_datetime(getattr(sub, "graded_at", None)),
            state=_submission_state(sub),
            lms_user_id=str(sub.user_id),
            url=str_or_none(url),
            body=str_or_none(getattr(sub, "body", None)),
            attachments=tuple(_attachment(f) for f in getattr(sub, "attachments", None) or ()),
        )

    @staticmethod
    def _course_summary(course: Any) -> tuple[str, str, str | None]:
        term = getattr(course, "term", None)
        term_name = str_or_none(term.get("name")) if isinstance(term, dict) else None
        return str(course.id), str(getattr(course, "name", "") or ""), term_name

    def _lookup_course_name(self, course_id: str) -> tuple[str, str | None]:
        """Name and term of one course; ("", None) when Canvas will not show it."""
        try:
            course = self._mapped(
                f"Canvas course {course_id}",
                lambda: self._canvas.get_course(course_id, include=["term"]),
            )
        except LmsApiError as err:
            if err.upstream_status not in (403, 404):
                raise
            return "", None
        _, name, term = self._course_summary(course)
        return name, term

    def _course(self, course_id: str | int) -> Any:
        key = str(course_id)
        if key not in self._courses:
            self._courses[key] = self._mapped(
                f"Canvas course {course_id}", lambda: self._canvas.get_course(key)
            )
        return self._courses[key]

    def _collect(
        self, what: str, make_list: Callable[[], Iterable[Any]], convert: Callable[[Any], T]
    ) -> list[T]:
        """Read a canvasapi ``PaginatedList`` to the end, with retries and a page cap.

        Each page is one request, retried on its own by the transport's policy.
        """
        items: list[T] = []
        paginated = make_list()  # lazy: no request yet
        cap = self.max_pages * self.per_page

        def read() -> list[T]:
            for obj in paginated:
                if len(items) >= cap:
                    raise _PageCapReached(self.max_pages, "")
                items.append(convert(obj))
            return items

        self._transport.start_listing(self.max_pages)
        try:
            return self._mapped(what, read)
        finally:
            self._transport.stop_listing()

    def _mapped(self, what: str, call: Callable[[], T]) -> T:
        """Run ``call`` (whose requests the retry policy has retried already) and map every
        failure to ``LmsApiError``. A ``Retry-After`` too long to wait is named in the
        detail; the error stays retryable for a background job to reschedule."""
        try:
            return call()
        except _PageCapReached as exc:
            log.warning(
                "Stopped reading %s after %s pages of up to %s (at %s)",
                what,
                self.max_pages,
                self.per_page,
                exc.url or "item cap",
            )
            raise LmsApiError(
                f"Canvas returned more than {self.max_pages * self.per_page} items for "
                f"{what}; Lodestar stopped reading after {self.max_pages} pages.",
                retryable=False,
                url=exc.url or None,
                detail=f"page cap {self.max_pages} x {self.per_page}",
            ) from None
        except (CanvasException, requests.RequestException, ValueError) as exc:
            error = self._to_lms_error(exc, what)
            delay = retry_after(self._transport.last_response)
            if error.retryable and delay is not None and delay > self.retry.max_retry_after:
                error.detail = f"{error.detail}; Retry-After {delay:.0f}s is too long to wait"
            raise error from exc

    def _to_lms_error(self, exc: Exception, what: str) -> LmsApiError:
        """Classify a failure by the HTTP status behind it (or the exception when none)."""
        response = self._transport.last_response
        if response is not None and response.status_code >= 400:
            return _error_for_response(response, what, exc)
        if isinstance(exc, requests.Timeout | requests.ConnectionError):
            url = exc.request.url if exc.request is not None else None
            return LmsApiError(
                "Canvas could not be reached or did not answer in time. Please try again shortly.",
                retryable=True,
                url=url,
                detail=f"{type(exc).__name__}: {exc}",
            )
        url = response.url if response is not None else None
        return LmsApiError(
            "Canvas sent an answer Lodestar could not read.",
            retryable=False,
            url=url,
            detail=f"reading {what}: {type(exc).__name__}: {exc}",
        )


def _student_member(enrollment: Any) -> RosterMember:
    """A Canvas StudentEnrollment (with its ``user``) as a roster member."""
    user = getattr(enrollment, "user", None)
    user = user if isinstance(user, dict) else {}
    return RosterMember(
        user_id=None,
        name=str(user.get("name") or ""),
        given_name=None,
        family_name=None,
        email=str_or_none(user.get("email")),
        roles=("StudentEnrollment",),
        status="Active",
        lms_user_id=str(getattr(enrollment, "user_id", None) or user.get("id") or "") or None,
        sis_id=str_or_none(user.get("sis_user_id") or getattr(enrollment, "sis_user_id", None)),
    )


def _error_for_response(response: requests.Response, what: str, exc: Exception) -> LmsApiError:
    status = response.status_code
    body = response.text or ""
    detail = f"{type(exc).__name__} reading {what}: {body[:300]}"

    def error(message: str, retryable: bool) -> LmsApiError:
        return LmsApiError(
            message, upstream_status=status, retryable=retryable, url=response.url, detail=detail
        )

    if status == 401:
        # Canvas adds WWW-Authenticate when the token itself is bad (expired, revoked).
        if "WWW-Authenticate" in response.headers:
            return error(RECONNECT_MESSAGE, False)
        return error(NOT_ALLOWED_WITH_TOKEN_MESSAGE, False)
    if status == 403:
        if "Rate Limit Exceeded" in body:  # Canvas's legacy throttling answer
            return error(RATE_LIMITED_MESSAGE, True)
        return error(f"Canvas did not allow Lodestar to read {what} with your account.", False)
    if status == 404:
        return error(f"Canvas could not find {what}. It may have been deleted.", False)
    if status == 429:
        return error(RATE_LIMITED_MESSAGE, True)
    if status >= 500:
        return error(
            f"Canvas had a problem answering ({status}). Please try again shortly.",
            retryable_status(status),
        )
    return error(f"Canvas refused the request for {what} ({status}).", False)
