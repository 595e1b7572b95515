"""Schoology REST API v1 client: sections, rosters, assignments and grades.

Schoology's REST API (https://developers.schoology.com/api) is authorised with *two-legged*
OAuth 1.0a: the district's system-level consumer key and secret sign every request and no
token is involved. We attach ``requests_oauthlib.OAuth1`` to each request (signature
``HMAC-SHA1`` by default, ``PLAINTEXT`` on request) and ask for JSON with
``Accept: application/json``. Schoology's authentication page asks for ``realm`` "Schoology
API" and, for two-legged requests, an ``oauth_token`` that is present but empty; both are in
the ``Authorization`` header, and the empty token is part of the signed parameters.

Every method returns the plain dataclasses of ``lti_tool.grades.types`` so sync code does
not care whether data came from Schoology, Canvas or LTI Advantage services.

Behaviour worth knowing:

* **Paging.** List endpoints take ``start``/``limit`` (Schoology caps ``limit`` at 200) and
  answer with ``total`` and ``links.next`` (an absolute URL). We follow ``links.next`` only
  on the configured API host (never sending the signed header elsewhere), stop when ``total``
  items have been read, and refuse to read more than ``max_pages`` pages: hitting the cap
  raises :class:`~lti_tool.errors.LmsApiError` rather than returning a silently truncated
  roster (a partial roster would make sync mark real students inactive).
* **Errors and retries.** 401/403 and 404 raise a non-retryable ``LmsApiError``; 429, 5xx,
  timeouts and connection errors are retried by the retry policy (:mod:`lti_tool.retry`)
  up to ``max_retries`` times, each attempt signed afresh (``Retry-After`` honoured up to
  30 seconds; a longer demand is raised at once as a retryable error so a background job
  can be rescheduled), then raised as a retryable ``LmsApiError``.
  Bodies that are not JSON raise too. The ``sleep`` callable is injectable so tests never wait.
* **Who is who.** Schoology's REST API names users by ``uid`` ("the internal Schoology ID
  of the user"; enrollments carry it, and ``school_uid``, "the user's unique ID (e.g.
  student ID, SIS ID)"). How a Lodestar person (known from LTI launches) is matched to them
  is a per-platform setting, ``Platform.settings["schoology_user_match"]``
  (:class:`UserMatch`, read with :func:`user_match`): by default the REST ``uid`` is
  compared with the launch's custom parameter ``lms_user_id``. Schoology documents no LTI
  1.3 substitution variable that fills that parameter, so the district has to check it
  (see the README's Schoology section).
* **Due dates.** Schoology sends ``due`` as ``"YYYY-MM-DD HH:MM:SS"`` with no offset, in
  the school's local time. We only turn it into an aware UTC ``due_at`` when the caller
  says which time zone that is (``school_timezone``); otherwise ``due_at`` is ``None``
  (the raw string is never guessed into UTC, and the assignment description is left as the
  teacher wrote it).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlunsplit
from zoneinfo import ZoneInfo

import requests
from oauthlib.oauth1 import (
    SIGNATURE_HMAC_SHA1,
    SIGNATURE_PLAINTEXT,
    SIGNATURE_TYPE_AUTH_HEADER,
    Client,
)
from requests_oauthlib import OAuth1

from lti_tool import hygiene
from lti_tool.errors import LmsApiError
from lti_tool.grades.types import LmsAssignment, LmsScore, RosterMember
from lti_tool.http import OutboundSession, make_session
from lti_tool.parse import epoch_datetime, finite_float, int_or_none, str_or_none, utc_datetime
from lti_tool.retry import RetryPolicy, retry_after, retryable_status

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.schoology.com/v1"
#: Schoology refuses to return more than this many items per page.
MAX_LIMIT = 200
SOURCE = "schoology"

#: Enrollment ``status`` codes: 1 active, 2 expired, 3 invite pending, 4 request pending,
#: 5 archived. Only 1 is a current member; everything else is "Inactive" in NRPS terms.
ENROLLMENT_ACTIVE = 1

#: Grade ``exception`` codes.
GRADE_EXCEPTIONS = {1: "excused", 2: "incomplete", 3: "missing"}

#: ``Platform.settings`` key of the user mapping (:class:`UserMatch`).
USER_MATCH_SETTING = "schoology_user_match"


class UserMatch(enum.StrEnum):
    """How Schoology REST users are matched to Lodestar people."""

    #: REST ``uid`` == the launch's custom parameter ``lms_user_id`` (the default).
    UID = "uid"
    #: REST ``uid`` == the LTI ``sub`` of the launch.
    SUB = "sub"
    #: REST ``school_uid`` (the SIS id) == the launch's custom parameter ``lms_user_id``.
    SCHOOL_UID = "school_uid"


DEFAULT_USER_MATCH = UserMatch.UID


def user_match(settings: Mapping[str, Any] | None) -> UserMatch:
    """The platform's Schoology user mapping; the default when unset or unknown."""
    value = (settings or {}).get(USER_MATCH_SETTING)
    if not value:
        return DEFAULT_USER_MATCH
    try:
        return UserMatch(str(value))
    except ValueError:
        log.warning("Unknown Schoology user mapping %r; using %s", value, DEFAULT_USER_MATCH)
        return DEFAULT_USER_MATCH


ROLE_INSTRUCTOR = "Instructor"
ROLE_LEARNER = "Learner"

MSG_AUTH = (
    "Schoology did not accept Lodestar's API key; the district admin should check it "
    "in Lodestar's settings"
)
MSG_NOT_FOUND = (
    "Schoology could not find that course section or user. It may have been "
    "deleted, or Lodestar's API key may not be allowed to see it."
)
MSG_RATE_LIMITED = (
    "Schoology is limiting how often Lodestar may call it. Please try again in a few minutes."
)
MSG_UNAVAILABLE = "Schoology did not answer as expected. Please try again shortly."
MSG_UNREADABLE = "Schoology sent a reply Lodestar could not read."
MSG_TOO_MANY_PAGES = (
    "This Schoology list is longer than Lodestar reads in one go; please "
    "ask your Lodestar administrator to raise the page limit."
)
MSG_BAD_LINK = "Schoology pointed Lodestar at an unexpected address; the request was stopped."

_SIGNATURES = {"HMAC-SHA1": SIGNATURE_HMAC_SHA1, "PLAINTEXT": SIGNATURE_PLAINTEXT}
#: The ``realm`` Schoology's API documentation names for its OAuth requests.
OAUTH_REALM = "Schoology API"


class TwoLeggedClient(Client):
    """oauthlib's OAuth 1.0a client, sending ``oauth_token=""`` when there is no token.

    oauthlib leaves ``oauth_token`` out without a resource owner key; Schoology's docs say a
    two-legged request still defines it, empty. It is added to the OAuth parameters, so it
    is signed (``oauth_token=`` in the HMAC-SHA1 base string) as well as sent.
    """

    def get_oauth_params(self, request: Any) -> list[tuple[str, str]]:
        """The OAuth parameters, with an empty ``oauth_token`` for two-legged requests."""
        params: list[tuple[str, str]] = super().get_oauth_params(request)
        if not self.resource_owner_key:
            params.append(("oauth_token", ""))
        return params


class SchoologyClient:
    """A read-only client for one district's Schoology, signed with its consumer key.

    :param consumer_key: the district's Schoology API consumer key (system-level key).
    :param consumer_secret: its secret.
    :param base_url: API root, ``https://api.schoology.com/v1`` unless the district has its
        own API host.
    :param session: the outbound session (the app's, ``lti_tool.http.get_session()``);
        by default a new ``make_session()``.
    :param limit: page size, 1..200.
    :param max_pages: most pages read for one list before giving up with ``LmsApiError``.
    :param max_retries: retries after the first attempt for 429, 5xx and network errors
        (``ILP_HTTP_RETRIES`` in the app).
    :param sleep: called with the seconds to wait between retries (tests inject a fake).
    :param backoff: first backoff in seconds when no ``Retry-After`` is sent; doubles each
        retry (see :class:`~lti_tool.retry.RetryPolicy`).
    :param school_timezone: IANA name or ``tzinfo`` of the school; enables ``due_at``.
    :param signature_method: ``"HMAC-SHA1"`` (default; the secret never leaves us) or
        ``"PLAINTEXT"`` (the secret travels in the header, over TLS).
    :param match: which REST field identifies a person and how (:class:`UserMatch`); it
        decides the ``user_id``/``lms_user_id`` of the members and scores returned.
    """

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        session: OutboundSession | None = None,
        limit: int = MAX_LIMIT,
        max_pages: int = 50,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
        school_timezone: str | dt.tzinfo | None = None,
        signature_method: str = "HMAC-SHA1",
        match: UserMatch = DEFAULT_USER_MATCH,
    ) -> None:
        if not consumer_key or not consumer_secret:
            raise ValueError("Schoology consumer key and secret are required")
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        if max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if signature_method not in _SIGNATURES:
            raise ValueError(f"signature_method must be one of {sorted(_SIGNATURES)}")
        self.base_url = base_url.rstrip("/")
        base = hygiene.http_url(self.base_url)
        if base is None:
            raise ValueError("base_url must be an absolute http(s) URL")
        self._base_scheme = base.scheme.lower()
        self._base_netloc = base.netloc.lower()
        self.session = session if session is not None else make_session()
        self.limit = limit
        self.max_pages = max_pages
        self.retry = RetryPolicy(retries=max_retries, backoff=backoff, sleep=sleep)
        self._auth = OAuth1(
            consumer_key,
            client_secret=consumer_secret,
            signature_method=_SIGNATURES[signature_method],
            signature_type=SIGNATURE_TYPE_AUTH_HEADER,
            client_class=TwoLeggedClient,
            realm=OAUTH_REALM,
        )
        if isinstance(school_timezone, str):
            school_timezone = ZoneInfo(school_timezone)
        self.school_timezone: dt.tzinfo | None = school_timezone
        self.match = UserMatch(match)
        #: section id -> {enrollment id -> person key}, filled by ``list_section_enrollments``.
        self._enrollment_uids: dict[str, dict[str, str]] = {}

    # ------------------------------------------------------------------ sections

    def get_section(self, section_id: str | int) -> dict[str, Any]:
        """``GET /sections/{section_id}``: ``{"id", "title", "course_title", "course_id"}``."""
        data = self._get_json(self._url(f"/sections/{_seg(section_id)}"))
        return _section_summary(data)

    # ------------------------------------------------------------------ roster

    def list_section_enrollments(self, section_id: str | int) -> list[RosterMember]:
        """``GET /sections/{section_id}/enrollments`` (paged): everyone in the section.

        ``admin == 1`` (section admin, i.e. teacher) gives ``("Instructor",)``, anyone else
        ``("Learner",)``. Status 1 is "Active"; 2 expired, 3/4 pending and 5 archived are
        "Inactive". ``lms_user_id`` is the person key of the user mapping: the Schoology
        ``uid`` (``UID``, ``SUB``) or ``school_uid`` (``SCHOOL_UID``); ``user_id`` (the LTI
        ``sub``) is the ``uid`` under ``SUB`` and otherwise unknown (``None``). Also
        remembers enrollment id -> person key for :meth:`list_grades`.
        """
        key = str(section_id)
        items = self._paginate(
            self._url(f"/sections/{_seg(section_id)}/enrollments"), _list_key("enrollment")
        )
        members: list[RosterMember] = []
        uids: dict[str, str] = {}
        for item in items:
            member = _roster_member(item, self.match)
            enrollment_id = str_or_none(item.get("id"))
            if enrollment_id and member.lms_user_id:
                uids[enrollment_id] = member.lms_user_id
            members.append(member)
        self._enrollment_uids[key] = uids
        return members

    # ------------------------------------------------------------------ assignments

    def list_assignments(self, section_id: str | int) -> list[LmsAssignment]:
        """``GET /sections/{section_id}/assignments`` (paged).

        ``external_id`` is the Schoology assignment id, ``score_maximum`` its
        ``max_points``, ``html_url`` its ``web_url``. ``due_at`` is set only when
        ``school_timezone`` was given (Schoology's ``due`` carries no offset).
        """
        items = self._paginate(
            self._url(f"/sections/{_seg(section_id)}/assignments"), _list_key("assignment")
        )
        return [self._assignment(item) for item in items]

    def _assignment(self, item: dict[str, Any]) -> LmsAssignment:
        return LmsAssignment(
            external_id=str(item.get("id", "")),
            title=str(item.get("title") or ""),
            source=SOURCE,
            score_maximum=finite_float(item.get("max_points")),
            due_at=self.parse_due(item.get("due")),
            html_url=str_or_none(item.get("web_url")),
            description=str_or_none(item.get("description")),
        )

    def parse_due(self, raw: Any) -> dt.datetime | None:
        """Schoology's ``"YYYY-MM-DD HH:MM:SS"`` school-local time as aware UTC.

        ``None`` when there is no due date, it cannot be parsed, or no ``school_timezone``
        was configured (we will not pretend a local wall-clock time is UTC).
        """
        if not raw or not isinstance(raw, str) or raw.startswith("0000-00-00"):
            return None
        if self.school_timezone is None:
            return None
        return utc_datetime(raw, naive_zone=self.school_timezone)

    # ------------------------------------------------------------------ grades

    def list_grades(self, section_id: str | int) -> list[LmsScore]:
        """``GET /sections/{section_id}/grades`` (paged): every grade in the section.

        Grades name an ``enrollment_id``; we map it to the student's person key (see
        :meth:`list_section_enrollments`) with the section's enrollments (one extra, paged ``/enrollments`` call, cached per client; call
        :meth:`forget_enrollments` to refresh). Grades whose enrollment is unknown are
        skipped (logged). ``exception`` 1/2/3 becomes ``state`` "excused"/"incomplete"/
        "missing"; otherwise "pending" when Schoology marks it so, "graded" when there is a
        grade. ``graded_at`` is Schoology's ``timestamp`` (last change to the grade).
        """
        key = str(section_id)
        items = self._paginate(self._url(f"/sections/{_seg(section_id)}/grades"), _grade_items)
        if key not in self._enrollment_uids:
            self.list_section_enrollments(section_id)
        uids = self._enrollment_uids.get(key, {})
        scores: list[LmsScore] = []
        skipped = 0
        for item in items:
            uid = uids.get(str(item.get("enrollment_id")))
            if uid is None:
                skipped += 1
                continue
            scores.append(_score(item, uid, self.match))
        if skipped:
            log.warning(
                "Skipped %d Schoology grade(s) in section %s with an unknown enrollment",
                skipped,
                key,
            )
        return scores

    def forget_enrollments(self, section_id: str | int | None = None) -> None:
        """Drop the cached enrollment id -> uid map (of one section, or all)."""
        if section_id is None:
            self._enrollment_uids.clear()
        else:
            self._enrollment_uids.pop(str(section_id), None)

    # ------------------------------------------------------------------ transport

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _paginate(
        self, url: str, extract: Callable[[dict[str, Any]], list[Any]]
    ) -> Iterator[dict[str, Any]]:
        """Yield the items of every page, following ``links.next`` within the caps."""
        params: dict[str, Any] | None = {"start": 0, "limit": self.limit}
        seen: set[str] = set()
        read = 0
        for _page in range(self.max_pages):
            data = self._get_json(url, params)
            for item in extract(data):
                if isinstance(item, dict):
                    read += 1
                    yield item
            total = int_or_none(data.get("total"))
            next_url = _next_link(data)
            if not next_url or (total is not None and read >= total):
                return
            url = self._checked_next(next_url, url)
            if url in seen:
                log.warning("Schoology repeated the page %s; stopping", url)
                return
            seen.add(url)
            params = None  # the next link carries start/limit itself
        raise LmsApiError(
            MSG_TOO_MANY_PAGES,
            retryable=False,
            url=url,
            detail=f"more than {self.max_pages} pages of {self.limit}",
        )

    def _checked_next(self, next_url: str, current: str) -> str:
        """Only follow links to our API host (the signed header must not go elsewhere)."""
        parts = hygiene.http_url(next_url)
        if parts is None or parts.netloc.lower() != self._base_netloc:
            where = hygiene.origin(next_url) or "a malformed URL"
            raise LmsApiError(
                MSG_BAD_LINK, retryable=False, url=current, detail=f"links.next points to {where}"
            )
        if parts.scheme != self._base_scheme:
            # Schoology has been seen to write http:// links; keep the configured scheme.
            parts = parts._replace(scheme=self._base_scheme)
        return urlunsplit(parts)

    def _get_json(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET (retried by the retry policy, signed afresh each time); the parsed JSON
        object, or ``LmsApiError``."""
        try:
            resp = self.session.request(
                "GET",
                url,
                params=params,
                auth=self._auth,
                headers={"Accept": "application/json"},
                retry=self.retry,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise LmsApiError(
                MSG_UNAVAILABLE, retryable=True, url=url, detail=f"{type(exc).__name__}: {exc}"
            ) from exc
        except requests.RequestException as exc:
            raise LmsApiError(
                MSG_UNAVAILABLE, retryable=False, url=url, detail=f"{type(exc).__name__}: {exc}"
            ) from exc
        status = resp.status_code
        if status in (401, 403):
            raise LmsApiError(
                MSG_AUTH, upstream_status=status, retryable=False, url=url, detail=_snippet(resp)
            )
        if status == 404:
            raise LmsApiError(
                MSG_NOT_FOUND,
                upstream_status=status,
                retryable=False,
                url=url,
                detail=_snippet(resp),
            )
        if status == 429:
            raise LmsApiError(
                MSG_RATE_LIMITED,
                upstream_status=status,
                retryable=True,
                url=url,
                detail=f"429 Retry-After={retry_after(resp)}",
            )
        if status >= 400:
            raise LmsApiError(
                MSG_UNAVAILABLE,
                upstream_status=status,
                retryable=retryable_status(status),
                url=url,
                detail=_snippet(resp),
            )
        try:
            data = resp.json()
        except ValueError as exc:
            raise LmsApiError(
                MSG_UNREADABLE,
                upstream_status=status,
                retryable=False,
                url=url,
                detail=f"not JSON: {_snippet(resp)}",
            ) from exc
        if not isinstance(data, dict):
            raise LmsApiError(
                MSG_UNREADABLE,
                upstream_status=status,
                retryable=False,
                url=url,
                detail=f"expected a JSON object, got {type(data).__name__}",
            )
        return data


# ---------------------------------------------------------------------- mapping helpers


def _person_key(item: dict[str, Any], match: UserMatch) -> str | None:
    field = "school_uid" if match is UserMatch.SCHOOL_UID else "uid"
    return str_or_none(item.get(field))


def _roster_member(item: dict[str, Any], match: UserMatch = DEFAULT_USER_MATCH) -> RosterMember:
    first = str_or_none(item.get("name_first"))
    if _flag(item.get("use_preferred_first_name")) and item.get("name_first_preferred"):
        first = str_or_none(item.get("name_first_preferred"))
    last = str_or_none(item.get("name_last"))
    name = str_or_none(item.get("name_display")) or " ".join(p for p in (first, last) if p)
    status_code = int_or_none(item.get("status"))
    status = "Active" if status_code in (None, ENROLLMENT_ACTIVE) else "Inactive"
    key = _person_key(item, match)
    return RosterMember(
        user_id=key if match is UserMatch.SUB else None,
        name=name,
        given_name=first,
        family_name=last,
        email=str_or_none(item.get("primary_email")),
        roles=(ROLE_INSTRUCTOR,) if _flag(item.get("admin")) else (ROLE_LEARNER,),
        status=status,
        lms_user_id=key,
    )


def _score(item: dict[str, Any], key: str, match: UserMatch = DEFAULT_USER_MATCH) -> LmsScore:
    exception = int_or_none(item.get("exception")) or 0
    score = None if exception else finite_float(item.get("grade"))
    if exception in GRADE_EXCEPTIONS:
        state: str | None = GRADE_EXCEPTIONS[exception]
    elif _flag(item.get("pending")):
        state = "pending"
    elif score is not None:
        state = "graded"
    else:
        state = None
    return LmsScore(
        assignment_external_id=str(item.get("assignment_id", "")),
        user_id=key if match is UserMatch.SUB else None,
        score=score,
        score_maximum=finite_float(item.get("max_points")),
        comment=str_or_none(item.get("comment")),
        graded_at=epoch_datetime(item.get("timestamp")),
        state=state,
        lms_user_id=key,
    )


def _section_summary(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(data.get("id", "")),
        "title": str_or_none(data.get("section_title") or data.get("title")),
        "course_title": str_or_none(data.get("course_title")),
        "course_id": str_or_none(data.get("course_id")),
    }


def _list_key(key: str) -> Callable[[dict[str, Any]], list[Any]]:
    def extract(data: dict[str, Any]) -> list[Any]:
        return _as_list(data.get(key))

    return extract


def _grade_items(data: dict[str, Any]) -> list[Any]:
    grades = data.get("grades")
    if isinstance(grades, dict):
        return _as_list(grades.get("grade"))
    return _as_list(data.get("grade"))


def _next_link(data: dict[str, Any]) -> str | None:
    links = data.get("links")
    if isinstance(links, dict) and isinstance(links.get("next"), str) and links["next"]:
        return str(links["next"])
    return None


def _snippet(resp: requests.Response, size: int = 300) -> str:
    text = resp.text or ""
    return f"HTTP {resp.status_code}: {text[:size]}"


def _seg(value: str | int) -> str:
    return quote(str(value), safe="")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):  # a one-item list serialised as an object
        return [value]
    return []


def _flag(value: Any) -> bool:
    return str(value).strip() in ("1", "true", "True")
